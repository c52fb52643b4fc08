import { Global, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { tracing } from '@app/tracing';

/**
 * Says at boot that tracing is on; on shutdown (SIGTERM, app.close()) exports the spans still
 * buffered, once the queues have stopped, so a job that finished while the workers drained is
 * not lost.
 */
@Injectable()
class TracingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Tracing');

  onApplicationBootstrap(): void {
    if (tracing) {
      this.logger.log(tracing.description);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await tracing?.shutdown();
  }
}

/**
 * Imported only when tracing is on. Global for its place in the shutdown order: Nest runs the
 * shutdown hooks of global modules last, after the Bull queues (closed in theirs) let their
 * current jobs finish.
 */
@Global()
@Module({ providers: [TracingLifecycle] })
export class TracingModule {}
