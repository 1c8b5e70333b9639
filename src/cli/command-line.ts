import { ConfigModule } from '@nestjs/config';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigValidationError } from '../common/config/validate-config.js';

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

/**
 * Loads `.env` from the working directory into `process.env` exactly as the server does (through
 * ConfigModule.forRoot: same file, same parser, variables already set win), so that a CLI and the
 * server started from the same folder use the same DATA_DIR and settings.
 */
export async function loadEnvFile(): Promise<void> {
  await ConfigModule.forRoot();
}

/**
 * Runs a CLI's `main` on the process arguments and sets the exit code: `main`'s own, 2 for a usage or
 * configuration mistake (its message, and the usage), 1 for any other failure (`describeFailure`).
 * A user's mistake is one clear line, never a stack trace.
 */
export async function runCommand(
  main: (argv: string[]) => Promise<number>,
  usage: string,
  describeFailure: (error: unknown) => string,
): Promise<void> {
  try {
    await loadEnvFile();
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${usage}`);
      process.exitCode = 2;
    } else if (error instanceof ConfigValidationError) {
      console.error(error.message);
      process.exitCode = 2;
    } else {
      console.error(describeFailure(error));
      process.exitCode = 1;
    }
  }
}

/** Rows under a header, each column padded to its widest cell, two spaces apart. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
