import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ContractsModule } from '../contracts/contracts.module.js';
import {
  checkNdjsonContracts,
  NdjsonContractsImporter,
  ndjsonFileSource,
  type NdjsonImportResult,
  type NdjsonReadOptions,
} from '../contracts/import/ndjson-contracts.importer.js';
import { PythonContractsImporter } from '../contracts/import/python-contracts.importer.js';
import { parseCommandLine, runCommand, UsageError } from './command-line.js';

/**
 * `npm run contracts:import -- <dir>`: imports the Python service's `data/contracts/*.json` into the
 * store at `${DATA_DIR}/orchestrator.db`.
 *
 * `npm run contracts:import -- <file.ndjson | file.jsonl>` (or `--ndjson <file | ->`, `-` = stdin):
 * imports an export of `contracts:export`, one contract per line, streaming. A line that is not a
 * valid contract is reported with its line number and skipped; the rest is imported. `--dry-run`
 * checks every line and imports nothing.
 *
 * Exit code 0 when everything was read, 1 when a file or a line was skipped, 2 on bad usage.
 */
const USAGE = [
  "usage: npm run contracts:import -- <dir>                                   the Python service's <session>.json files",
  '       npm run contracts:import -- <file.ndjson | file.jsonl> [--dry-run]  an export of contracts:export',
  '       npm run contracts:import -- --ndjson <file | -> [--dry-run]         the same, any file name (- = stdin)',
].join('\n');

/** Invalid NDJSON lines printed one by one; beyond that only their number is given. */
const MAX_REPORTED_LINES = 100;

@Module({ imports: [ConfigModule.forRoot({ isGlobal: true }), ContractsModule], providers: [NdjsonContractsImporter] })
class ImportCliModule {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { ndjson: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'nothing to import' : 'one file or directory at a time');
  const source = positionals[0]!;
  const ndjson = values.ndjson === true || source === '-' || /\.(ndjson|jsonl)$/i.test(source);
  if (ndjson) return importNdjson(source, values['dry-run'] === true);
  if (values['dry-run']) throw new UsageError('--dry-run applies to NDJSON files only');

  const path = resolve(source);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new UsageError(`not a directory: ${path}`);
  const app = await NestFactory.createApplicationContext(ImportCliModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    const results = await app.get(PythonContractsImporter).importDirectory(path);
    let imported = 0;
    let skipped = 0;
    for (const r of results) {
      if (r.error) {
        skipped++;
        console.error(`skipped ${r.file}: ${r.error}`);
      } else {
        imported += r.imported;
        console.log(
          `${r.file}: ${r.imported} of ${r.found} contracts imported${r.imported < r.found ? ' (the rest were already there)' : ''}`,
        );
      }
    }
    console.log(
      `imported ${imported} contracts from ${results.length - skipped} files${skipped ? `; skipped ${skipped} malformed files` : ''}`,
    );
    return skipped ? 1 : 0;
  } finally {
    await app.close();
  }
}

async function importNdjson(source: string, dryRun: boolean): Promise<number> {
  const fromStdin = source === '-';
  const path = fromStdin ? 'stdin' : resolve(source);
  if (!fromStdin && (!existsSync(path) || !statSync(path).isFile())) throw new UsageError(`not a file: ${path}`);
  const input = () => (fromStdin ? process.stdin : ndjsonFileSource(path));
  let reported = 0;
  const options: NdjsonReadOptions = {
    onInvalidLine: (line, reason) => {
      if (++reported <= MAX_REPORTED_LINES) console.error(`skipped line ${line}: ${reason}`);
    },
  };
  const started = performance.now();
  let result: NdjsonImportResult;
  if (dryRun) {
    result = await checkNdjsonContracts(input(), options);
  } else {
    const app = await NestFactory.createApplicationContext(ImportCliModule, { logger: ['error', 'warn'], abortOnError: false });
    try {
      result = await app.get(NdjsonContractsImporter).importStream(input(), options);
    } finally {
      await app.close();
    }
  }
  if (result.invalid > MAX_REPORTED_LINES) console.error(`… and ${result.invalid - MAX_REPORTED_LINES} more invalid lines`);
  const ms = Math.round(performance.now() - started);
  const skipped = result.invalid ? `; skipped ${result.invalid} invalid lines` : '';
  if (dryRun) {
    console.log(`${path}: ${result.found} valid contracts in ${result.lines} lines${skipped} (dry run, nothing imported)`);
  } else {
    const rest = result.imported < result.found ? ' (the rest were already there)' : '';
    console.log(`${path}: imported ${result.imported} of ${result.found} contracts${rest}${skipped} in ${ms} ms`);
  }
  return result.invalid ? 1 : 0;
}

await runCommand(main, USAGE, (error) => (error instanceof Error ? error.message : String(error)));
