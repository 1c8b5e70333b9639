import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ContractsModule } from '../contracts/contracts.module.js';
import { PythonContractsImporter } from '../contracts/import/python-contracts.importer.js';

/**
 * `npm run contracts:import -- <dir>`: imports the Python service's `data/contracts/*.json` into the
 * store at `${DATA_DIR}/orchestrator.db`. Exit code 0 when every file was read, 1 when a file was
 * skipped, 2 on bad usage.
 */
@Module({ imports: [ConfigModule.forRoot({ isGlobal: true }), ContractsModule] })
class ImportCliModule {}

async function main(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (!dir || argv.length > 1 || dir === '--help' || dir === '-h') {
    console.error('usage: npm run contracts:import -- <dir with the Python service\'s <session>.json files>');
    return 2;
  }
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    console.error(`not a directory: ${path}`);
    return 2;
  }
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
        console.log(`${r.file}: ${r.imported} of ${r.found} contracts imported${r.imported < r.found ? ' (the rest were already there)' : ''}`);
      }
    }
    console.log(`imported ${imported} contracts from ${results.length - skipped} files${skipped ? `; skipped ${skipped} malformed files` : ''}`);
    return skipped ? 1 : 0;
  } finally {
    await app.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
