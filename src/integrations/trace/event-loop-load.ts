import { Injectable } from '@nestjs/common';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/**
 * How busy this process's event loop has been: the share of wall time it spent running callbacks
 * (`performance.eventLoopUtilization()`), between one `sample()` and the next. The outbox dispatcher
 * reads it to give way to the request path when that path keeps the loop saturated.
 */
@Injectable()
export class EventLoopLoad {
  private last: EventLoopUtilization = performance.eventLoopUtilization();

  /** Utilisation in [0, 1] since the previous call (or since construction). */
  sample(): number {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    return delta.utilization;
  }
}
