import { Injectable } from '@nestjs/common';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContractFilter } from '../contract.model.js';
import { ContractRepository } from '../contract.repository.js';

/** Contracts read (and written as one chunk) per store round trip. */
export const NDJSON_EXPORT_BATCH_SIZE = 1000;

export interface NdjsonExportOptions {
  batchSize?: number;
  /** End `destination` when done (default true; false for stdout). */
  end?: boolean;
}

/**
 * Writes contracts as NDJSON: one contract per line, in the shape of `GET /v1/contracts/:id`, in the
 * order of the list endpoint (oldest first). Streams with constant memory: the store is read one
 * batch at a time and the next batch is read only when `destination` has taken the previous one
 * (backpressure through `pipeline`). What `NdjsonContractsImporter` reads back.
 */
@Injectable()
export class NdjsonContractsExporter {
  constructor(private readonly contracts: ContractRepository) {}

  /** Resolves with the number of contracts written, once `destination` has taken all of them. */
  async exportTo(destination: Writable, filter: ContractFilter = {}, options: NdjsonExportOptions = {}): Promise<number> {
    let written = 0;
    const contracts = this.contracts;
    const batchSize = options.batchSize ?? NDJSON_EXPORT_BATCH_SIZE;
    async function* chunks(): AsyncGenerator<string> {
      for await (const batch of contracts.scan(filter, { batchSize })) {
        let chunk = '';
        for (const contract of batch) chunk += `${JSON.stringify(contract)}\n`;
        written += batch.length;
        yield chunk;
      }
    }
    await pipeline(Readable.from(chunks(), { objectMode: false }), destination, { end: options.end ?? true });
    return written;
  }
}
