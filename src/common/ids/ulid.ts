import { monotonicFactory } from 'ulid';
import { randomUnit } from './random-pool.js';

/** A new ULID; ids made in the same millisecond by this process still sort in creation order. */
export const newUlid: () => string = monotonicFactory(randomUnit);
