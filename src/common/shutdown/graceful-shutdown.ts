import type { Server } from 'node:http';
import { constants } from 'node:os';
import { settlesWithin } from './settles-within.js';

/** What shutdown needs from the task runner (OrchestratorService). */
export interface DrainableTasks {
  /** Tasks accepted and not finished. */
  inFlightCount(): number;
  /** New tasks are refused (503) from now on. */
  stopAccepting(): void;
  /** Waits up to `timeoutMs` for the tasks in flight, then cancels the rest; resolves once all are recorded. */
  drain(timeoutMs: number): Promise<{ finished: number; cancelled: number }>;
}

export interface ShutdownLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GracefulShutdownOptions {
  /** Closes the application: the modules' shutdown hooks (outbox dispatcher, database). */
  app: { close(): Promise<void> };
  server: Server;
  tasks: DrainableTasks;
  timeoutMs: number;
  logger: ShutdownLogger;
  /** Ends the process (`process.exit`). */
  exit: (code: number) => void;
  /** Where signals come from (`process`). */
  signalSource?: NodeJS.EventEmitter;
  signals?: readonly NodeJS.Signals[];
}

/** Once the tasks are drained, how long callers are at least given to receive their answers. */
const MIN_ANSWER_WAIT_MS = 1_000;
/** How often idle keep-alive connections are closed while shutting down. */
const IDLE_SWEEP_MS = 50;

/**
 * Graceful shutdown on SIGTERM/SIGINT:
 * 1. new tasks are refused with 503; the server stops accepting connections; a request on a
 *    connection already open is answered with `Connection: close`, and idle keep-alive
 *    connections are closed;
 * 2. tasks in flight get up to `timeoutMs` to finish; what is left is cancelled (REQUEST
 *    `cancelled`, its caller answered);
 * 3. open requests get the rest of `timeoutMs` (at least a second) to send their answers, then the
 *    remaining connections (event streams) are closed;
 * 4. the app is closed (outbox dispatcher stopped, database closed) and the process exits with 0
 *    (1 if closing failed).
 * A second signal exits at once with 128 + the signal number (130 for SIGINT, 143 for SIGTERM);
 * tasks still running then stay `in_progress` and are closed as failed at the next start.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): { shutdown(signal: NodeJS.Signals): Promise<void> } {
  const { app, server, tasks, timeoutMs, logger, exit } = options;
  const source = options.signalSource ?? process;
  let started = false;

  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (started) {
      logger.warn(`${signal} again: exiting now without waiting; unfinished tasks are closed as failed at the next start`);
      exit(128 + (constants.signals[signal] ?? 0));
      return;
    }
    started = true;
    const deadline = Date.now() + timeoutMs;
    logger.log(`${signal}: shutting down; new tasks are refused, ${tasks.inFlightCount()} in flight get up to ${timeoutMs} ms`);
    try {
      tasks.stopAccepting();
      const closed = stopListening(server);
      const { finished, cancelled } = await tasks.drain(timeoutMs);
      logger.log(`Tasks in flight: ${finished} finished, ${cancelled} cancelled`);
      const open = await closed.waitUntil(Math.max(deadline - Date.now(), MIN_ANSWER_WAIT_MS));
      if (open > 0) logger.warn(`Closing ${open} connection(s) still open`);
      await app.close();
      logger.log('Stopped');
      exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      exit(1);
    }
  }

  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    source.on(signal, () => void shutdown(signal));
  }
  return { shutdown };
}

/**
 * Stops accepting connections and lets open requests finish. `waitUntil(ms)` resolves with 0 once
 * every connection has closed, or after `ms` with the number still open, which are then destroyed.
 */
function stopListening(server: Server): { waitUntil(ms: number): Promise<number> } {
  let allClosed = false;
  const closed = new Promise<void>((resolve) =>
    server.close(() => {
      allClosed = true;
      resolve();
    }),
  );
  // Answers to requests on connections already open ask the client to close them.
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  // A keep-alive connection becomes idle once its answer is sent: close it then.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  sweeper.unref();
  return {
    async waitUntil(ms) {
      await settlesWithin(closed, ms);
      clearInterval(sweeper);
      if (allClosed) return 0;
      const open = await new Promise<number>((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
      server.closeAllConnections();
      return open;
    },
  };
}
