import type { LogLevel } from '@nestjs/common';
import type { LogLevelName } from '../../app.config.js';

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's logger levels enabled by `LOG_LEVEL` (`info` is Nest's `log`). */
export function logLevelsFrom(level: LogLevelName): LogLevel[] {
  const nestLevel: LogLevel = level === 'info' ? 'log' : level;
  return ORDER.slice(0, ORDER.indexOf(nestLevel) + 1);
}
