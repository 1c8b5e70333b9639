import { Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import type { Contract } from '../contract.model.js';
import { ContractRepository } from '../contract.repository.js';
import { InvalidContractLineError, parseContractLine } from './ndjson-contract.parser.js';
import { DEFAULT_MAX_LINE_BYTES, readNdjsonLines } from './ndjson-lines.js';

/** Contracts inserted per transaction. */
export const NDJSON_IMPORT_BATCH_SIZE = 500;

export interface NdjsonReadOptions {
  /** Contracts per batch (per insert transaction when importing). */
  batchSize?: number;
  maxLineBytes?: number;
  /** Called for each line that is skipped, as it is met. */
  onInvalidLine?: (line: number, reason: string) => void;
}

export interface NdjsonImportResult {
  /** Lines read, blank ones included. */
  lines: number;
  /** Valid contracts found. */
  found: number;
  /** Contracts added (those already in the store are skipped; 0 when only checked). */
  imported: number;
  /** Lines skipped because they are not a valid contract. */
  invalid: number;
}

/**
 * The valid contracts of an NDJSON stream, in batches, read as they are consumed. A line that is not
 * a valid contract is counted in `result.invalid`, passed to `onInvalidLine` and skipped; blank lines
 * are ignored.
 */
export async function* readNdjsonContracts(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: NdjsonReadOptions,
  result: NdjsonImportResult,
): AsyncGenerator<Contract[]> {
  const batchSize = options.batchSize ?? NDJSON_IMPORT_BATCH_SIZE;
  let batch: Contract[] = [];
  for await (const line of readNdjsonLines(source, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)) {
    result.lines = line.line;
    let reason: string;
    if ('error' in line) {
      reason = line.error;
    } else if (line.text.trim() === '') {
      continue;
    } else {
      try {
        batch.push(parseContractLine(line.text));
        result.found++;
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        continue;
      } catch (error) {
        if (!(error instanceof InvalidContractLineError)) throw error;
        reason = error.message;
      }
    }
    result.invalid++;
    options.onInvalidLine?.(line.line, reason);
  }
  if (batch.length > 0) yield batch;
}

/** Validates every line of an NDJSON stream without a store (`contracts:import --dry-run`). */
export async function checkNdjsonContracts(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: NdjsonReadOptions = {},
): Promise<NdjsonImportResult> {
  const result: NdjsonImportResult = { lines: 0, found: 0, imported: 0, invalid: 0 };
  for await (const _batch of readNdjsonContracts(source, options, result)); // reading counts into result
  return result;
}

/** A file read in large chunks. */
export function ndjsonFileSource(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}

/**
 * Imports NDJSON, one contract per line in the shape of `GET /v1/contracts/:id` (what
 * `contracts:export` writes). Streams: lines are read, validated and inserted in batches (one
 * transaction each), and the next lines are read only once a batch is stored, so memory does not
 * grow with the file. A line that is not a valid contract is reported with its number and skipped;
 * the other lines are imported. Idempotent: contracts whose id is already stored are skipped, so
 * importing a file twice adds nothing.
 */
@Injectable()
export class NdjsonContractsImporter {
  constructor(private readonly contracts: ContractRepository) {}

  async importStream(source: AsyncIterable<Buffer | Uint8Array | string>, options: NdjsonReadOptions = {}): Promise<NdjsonImportResult> {
    const result: NdjsonImportResult = { lines: 0, found: 0, imported: 0, invalid: 0 };
    for await (const batch of readNdjsonContracts(source, options, result)) {
      result.imported += await this.contracts.importContracts(batch);
    }
    return result;
  }
}
