import { monotonicFactory } from 'ulid';
import { randomUnit } from './random-pool.js';

/**
 * A new ULID; ids made in the same millisecond by this process still sort in creation order. The
 * randomness comes from a pooled buffer: ulid's default makes one crypto call per character, which
 * makes `POST /v1/orchestrate` miss its `npm run bench` target (test/bench/pieces.mjs).
 */
export const newUlid: () => string = monotonicFactory(randomUnit);
