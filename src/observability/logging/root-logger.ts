import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import type { LogLevelName } from '../../app.config.js';
import type { LogFormat } from '../observability.config.js';
import { REDACT_PATHS, REDACTED } from './logging.constants.js';
import { mergeRequestMixin, requestMixin } from './request-context.js';

/** pino's level for `LOG_LEVEL` (Nest's `verbose` is pino's `trace`). */
export function pinoLevel(level: LogLevelName): Level {
  return level === 'verbose' ? 'trace' : level;
}

export interface RootLoggerOptions {
  level: LogLevelName;
  format: LogFormat;
}

/**
 * Readable lines for a terminal: pino-pretty as a stream in this thread, writing synchronously. A
 * worker-thread transport would cost nothing on the request path, but it outlives the app under a
 * test runner and needs its module resolved from the worker; development logs are not that hot.
 * Loaded on demand so that a production start does not load it at all.
 */
function prettyStream(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

/**
 * The app's root logger. `json`: one JSON object per line on stdout (pino's default asynchronous
 * destination), the level as its name; `pretty`: readable lines. Keys and credentials are redacted
 * in both. A line written while an HTTP request is handled carries `req` (requestMixin). `destination` replaces stdout (unit tests).
 */
export function createRootLogger({ level, format }: RootLoggerOptions, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: pinoLevel(level),
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: requestMixin,
    mixinMergeStrategy: mergeRequestMixin,
  };
  if (format === 'json') {
    options.formatters = { level: (label) => ({ level: label }) };
    return destination ? pino(options, destination) : pino(options);
  }
  return pino(options, destination ?? prettyStream());
}
