import { randomHex } from '../ids/random-pool.js';

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags, lowercase hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZEROS_32 = '0'.repeat(32);
const ZEROS_16 = '0'.repeat(16);

/** Whether a header value is a `traceparent` we can join (version 00 shape, ids not all zero, not version ff). */
export function isTraceparent(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = TRACEPARENT.exec(value.trim());
  return match !== null && match[1] !== 'ff' && match[2] !== ZEROS_32 && match[3] !== ZEROS_16;
}

/** A new trace: random trace id and span id, sampled. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** The caller's `traceparent` when it is valid, else a new one (an invalid header is ignored, as W3C asks). */
export function traceparentFrom(header: unknown): string {
  return isTraceparent(header) ? header.trim() : newTraceparent();
}
