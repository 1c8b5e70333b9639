import { ValidationPipe, type ArgumentMetadata, type ValidationPipeOptions } from '@nestjs/common';

/**
 * The app's validation settings: bodies become DTO instances (`transform`) holding only the declared
 * fields (`whitelist`). A fast path must return exactly what these settings give.
 */
export const VALIDATION_OPTIONS: ValidationPipeOptions = { transform: true, whitelist: true, forbidUnknownValues: false };

/**
 * A DTO's fast path: from a value its class-validator rules certainly accept, the DTO instance that
 * `ValidationPipe` (`transform`, `whitelist`) would return; `undefined` for anything else, which then
 * goes through the full pipe (so every error message still comes from class-validator). It may turn
 * away values the rules accept, never the other way round.
 */
export type DtoFastPath<T> = (value: unknown) => T | undefined;

const fastPaths = new WeakMap<object, DtoFastPath<unknown>>();

/**
 * Class decorator: gives a request-body DTO a fast path that `FastPathValidationPipe` tries first.
 * For the few bodies on the hot path only: without it `POST /v1/orchestrate` misses its
 * `npm run bench` target (test/bench/pieces.mjs measures the difference).
 */
export function ValidatesFast<T>(fastPath: DtoFastPath<T>): <C extends abstract new (...args: never[]) => T>(target: C) => void {
  return (target) => {
    fastPaths.set(target, fastPath);
  };
}

/**
 * `ValidationPipe` that first tries the fast path of a body's DTO (`@ValidatesFast`), and validates
 * with class-validator when there is none or it declines.
 */
export class FastPathValidationPipe extends ValidationPipe {
  constructor() {
    super(VALIDATION_OPTIONS);
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const fastPath = metadata.type === 'body' && metadata.metatype ? fastPaths.get(metadata.metatype) : undefined;
    const dto = fastPath?.(value);
    return dto === undefined ? super.transform(value, metadata) : Promise.resolve(dto);
  }
}

const DANGEROUS_KEYS = ['__proto__', 'prototype', 'constructor'];

/**
 * Whether a value is a JSON object (as `JSON.parse` makes it) that `ValidationPipe` passes on unchanged:
 * only plain objects, arrays and JSON scalars at any depth, and none of the keys the pipe strips
 * against prototype pollution (`__proto__`, `prototype`, `constructor`).
 */
export function isUntouchedJsonObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean') continue;
    if (typeof current !== 'object') return false;
    if (Array.isArray(current)) {
      if (Object.getPrototypeOf(current) !== Array.prototype) return false;
      for (let i = 0; i < current.length; i++) {
        if (!(i in current)) return false;
        stack.push(current[i]);
      }
      continue;
    }
    if (Object.getPrototypeOf(current) !== Object.prototype) return false;
    for (const key of DANGEROUS_KEYS) if (Object.hasOwn(current, key)) return false;
    for (const key in current) stack.push((current as Record<string, unknown>)[key]);
  }
  return true;
}
