import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** Cryptographically random bytes from a pooled buffer: one system call per 4 KiB, not per id. */
function take(count: number): Buffer {
  if (offset + count > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + count);
  offset += count;
  return bytes;
}

/** A random number in [0, 1) with 8 bits of resolution (enough for one base-32 ULID character). */
export function randomUnit(): number {
  return take(1)[0] / 256;
}

/** `count` random bytes as lowercase hex. */
export function randomHex(count: number): string {
  return take(count).toString('hex');
}
