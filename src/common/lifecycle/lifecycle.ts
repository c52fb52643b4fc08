import { Injectable, Logger } from '@nestjs/common';

/** Work to finish (or hand over) before the process ends; `deadline` is a Date.now() value. */
export type DrainStep = (deadline: number) => Promise<void>;

/**
 * The process's shutdown state. On SIGTERM (see graceful-shutdown.ts) it turns `draining` (the
 * readiness check answers 503, so a load balancer stops sending) and runs every registered step
 * at once: event streams get their final event, workers finish or hand back their jobs. Nest's
 * own hooks run only after that, while Redis and Postgres are still there for what is in flight.
 */
@Injectable()
export class Lifecycle {
  private readonly logger = new Logger('Shutdown');
  private readonly steps: Array<{ name: string; step: DrainStep }> = [];
  private isDraining = false;

  get draining(): boolean {
    return this.isDraining;
  }

  onDrain(name: string, step: DrainStep): void {
    this.steps.push({ name, step });
  }

  async drain(deadline: number): Promise<void> {
    this.isDraining = true;
    await Promise.all(
      this.steps.map(async ({ name, step }) => {
        try {
          await step(deadline);
        } catch (err) {
          this.logger.error({ err }, `shutdown step "${name}" failed`);
        }
      }),
    );
  }
}
