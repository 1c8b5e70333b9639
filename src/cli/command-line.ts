import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake of the caller (bad argument, file in the way): reported as one line, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, with positionals allowed or not, and every parsing problem (an
 * unknown option, a missing value) turned into a UsageError.
 */
export function parseCommandLine<O extends Options>(args: string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
