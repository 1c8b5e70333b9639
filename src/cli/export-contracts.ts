import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { createWriteStream } from 'node:fs';
import { isSessionId, SESSION_ID_MESSAGE } from '../common/validation/session-id.js';
import type { ContractFilter } from '../contracts/contract.model.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { NdjsonContractsExporter } from '../contracts/export/ndjson-contracts.exporter.js';
import { parseCommandLine, runCommand, UsageError } from './command-line.js';
import { requireExistingStore } from './contract-store.js';
import { prepareOutputFile } from './output-file.js';

/**
 * `npm run contracts:export -- --out <file.ndjson> [--session <id>] [--force]`: writes the contracts of
 * `${DATA_DIR}/orchestrator.db` as NDJSON (one contract per line, as `GET /v1/contracts/:id` shows it,
 * oldest first), streaming with constant memory. Runs while the server runs. `--out -` writes to
 * stdout (then the summary goes to stderr). The file is written under a temporary name and renamed
 * when complete; an existing file is replaced only with `--force`. Exit code 0 on success, 1 on a
 * failure, 2 on bad usage.
 */
const USAGE = 'usage: npm run contracts:export -- --out <file.ndjson | -> [--session <session_id>] [--force]';

@Module({ imports: [ConfigModule.forRoot({ isGlobal: true }), ContractsModule], providers: [NdjsonContractsExporter] })
class ExportCliModule {}

async function main(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    { out: { type: 'string', short: 'o' }, session: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) throw new UsageError('--out is required');
  const filter: ContractFilter = {};
  if (values.session !== undefined) {
    if (!isSessionId(values.session)) throw new UsageError(`--session ${JSON.stringify(values.session)}: ${SESSION_ID_MESSAGE}`);
    filter.session_id = values.session;
  }

  requireExistingStore();

  const toStdout = values.out === '-';
  const output = toStdout ? undefined : prepareOutputFile(values.out, values.force === true);
  const app = await NestFactory.createApplicationContext(ExportCliModule, {
    // Warnings go to stdout, which may be the export itself.
    logger: toStdout ? ['error', 'fatal'] : ['error', 'warn'],
    abortOnError: false,
  });
  const started = performance.now();
  let count: number;
  try {
    const exporter = app.get(NdjsonContractsExporter);
    if (output === undefined) {
      count = await exporter.exportTo(process.stdout, filter, { end: false });
    } else {
      try {
        count = await exporter.exportTo(createWriteStream(output.partial, { flags: 'wx' }), filter);
        output.publish();
      } catch (error) {
        output.discard();
        throw error;
      }
    }
  } finally {
    await app.close();
  }
  const summary =
    `exported ${count} contracts${filter.session_id ? ` of session ${filter.session_id}` : ''} ` +
    `to ${output?.path ?? 'stdout'} in ${Math.round(performance.now() - started)} ms`;
  if (toStdout) console.error(summary);
  else console.log(summary);
  return 0;
}

await runCommand(main, USAGE, (error) =>
  (error as NodeJS.ErrnoException).code === 'EPIPE'
    ? 'the output was closed before the export finished'
    : `export failed: ${error instanceof Error ? error.message : String(error)}`,
);
