import type { INestApplication } from '@nestjs/common';
import type { Server } from 'http';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@config/app-config';
import { Lifecycle } from './lifecycle';

/** After the grace period, how long Nest's own hooks (closing queues, pools) may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 15_000;

/**
 * SIGTERM / SIGINT: stop accepting, let what is in flight finish within SHUTDOWN_GRACE_MS, then
 * close. Nest's enableShutdownHooks is not used: it runs the modules' destroy hooks (Redis, the
 * pools) before it closes the HTTP server, so requests still in flight would fail. A second
 * signal ends the process at once.
 */
export function installGracefulShutdown(app: INestApplication, config: AppConfig, afterClose: () => Promise<void>): void {
  const logger = app.get(Logger);
  let isStopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping) {
      logger.warn(`${signal} again while shutting down: exiting now`);
      process.exit(1);
    }
    isStopping = true;
    void shutdown(signal);
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const deadline = Date.now() + config.SHUTDOWN_GRACE_MS;
    setTimeout(() => {
      logger.error(`Shutdown did not end within SHUTDOWN_GRACE_MS + ${CLOSE_TIMEOUT_MS} ms: exiting`);
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + CLOSE_TIMEOUT_MS).unref();
    logger.log(`${signal}: shutting down (role=${config.APP_ROLE}, SHUTDOWN_GRACE_MS=${config.SHUTDOWN_GRACE_MS})`);
    try {
      const http = config.runsHttp ? stopHttp(app.getHttpServer() as Server, deadline) : Promise.resolve(0);
      const [, cut] = await Promise.all([app.get(Lifecycle).drain(deadline), http]);
      if (cut > 0) logger.warn(`${cut} connection(s) still busy at the end of SHUTDOWN_GRACE_MS were closed`);
      await app.close();
      await afterClose();
      logger.log('Shut down');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'Shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Stops listening at once; each connection closes as soon as it is idle (its response sent), so
 * in-flight requests finish and keep-alive clients reconnect elsewhere. At the deadline the rest
 * are closed. Resolves with how many were cut.
 */
async function stopHttp(server: Server, deadline: number): Promise<number> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  try {
    let cut = 0;
    const timeout = new Promise<void>((resolve) =>
      setTimeout(
        () => {
          server.getConnections((_err, count) => {
            cut = count;
            server.closeAllConnections();
            resolve();
          });
        },
        Math.max(0, deadline - Date.now()),
      ).unref(),
    );
    await Promise.race([closed, timeout]);
    return cut;
  } finally {
    clearInterval(idle);
  }
}
