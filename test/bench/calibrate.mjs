// How fast this machine is right now, for reading absolute figures across runs: the shared machines
// the bench runs on change speed from day to day, and the store's commit cost is made of small writes.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir } from './server.mjs';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Milliseconds for a fixed integer loop of 20 million steps (median of 5). */
function jsLoopMs() {
  const times = [];
  for (let run = 0; run < 7; run++) {
    const t0 = process.hrtime.bigint();
    let x = 0;
    for (let i = 0; i < 2e7; i++) x = (x * 31 + i) | 0;
    if (x === 0.5) throw new Error('unreachable');
    if (run >= 2) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** Microseconds per WAL-frame-like write pair (24-byte header, 4 KiB page) to a file in a temporary directory (median of 5 × 2000). */
function frameWriteUs() {
  const dir = makeDataDir('calibrate');
  const fd = openSync(join(dir, 'frames.bin'), 'w');
  const header = Buffer.alloc(24, 1);
  const page = Buffer.alloc(4096, 2);
  const times = [];
  try {
    let offset = 0;
    for (let run = 0; run < 5; run++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) {
        writeSync(fd, header, 0, header.length, offset);
        writeSync(fd, page, 0, page.length, offset + header.length);
        offset += header.length + page.length;
      }
      times.push(Number(process.hrtime.bigint() - t0) / 1e3 / 2000);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

/** `{js_loop_ms, frame_write_us}`: lower is faster. */
export function calibrate() {
  return { js_loop_ms: Math.round(jsLoopMs() * 10) / 10, frame_write_us: Math.round(frameWriteUs() * 100) / 100 };
}
