import type { Kysely } from 'kysely';
import { Writable } from 'node:stream';
import type { Contract } from '../contract.model.js';
import { checkNdjsonContracts, NdjsonContractsImporter } from '../import/ndjson-contracts.importer.js';
import type { ContractsTables } from '../persistence/contracts.tables.js';
import { openSqliteDatabase } from '../../database/index.js';
import { SqliteContractRepository } from '../persistence/sqlite/sqlite-contract.repository.js';
import { makeRequest, makeResponse, makeTempDir } from '../testing/contract.fixtures.js';
import { NdjsonContractsExporter } from './ndjson-contracts.exporter.js';

/** A destination that takes a chunk only after a turn of the event loop, with a small buffer. */
class SlowSink extends Writable {
  readonly chunks: string[] = [];
  constructor(private readonly onWrite: () => void = () => {}) {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.onWrite();
    this.chunks.push(chunk.toString());
    setImmediate(done);
  }
  get text(): string {
    return this.chunks.join('');
  }
}

async function* source(text: string): AsyncGenerator<Buffer> {
  // Small chunks, so that lines are split across them.
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
}

describe('NDJSON export and import on the SQLite store', () => {
  const temps: { remove: () => void }[] = [];
  const dbs: Kysely<ContractsTables>[] = [];

  async function store(): Promise<SqliteContractRepository> {
    const temp = makeTempDir();
    temps.push(temp);
    const db = await openSqliteDatabase({ dataDir: temp.dir, synchronous: 'NORMAL' });
    dbs.push(db);
    return new SqliteContractRepository(db);
  }

  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.destroy();
    for (const temp of temps.splice(0)) temp.remove();
  });

  /** `pairs` tasks alternating between two sessions, written as the orchestrator writes them. */
  async function seed(repo: SqliteContractRepository, pairs: number): Promise<void> {
    for (let i = 0; i < pairs; i++) {
      const request = makeRequest({ session_id: i % 2 ? 'odd' : 'even', payload: { text: `task ${i} – ü ✓` } });
      await repo.insertRequest(request, { outbox: false });
      const at = new Date(Date.parse(request.created_at) + 1).toISOString();
      await repo.completeRequest(
        request,
        { status: 'completed', result: { message: `Echo ${i}` }, error: null, completed_at: at },
        makeResponse(request),
        { outbox: false },
      );
    }
  }

  const listAll = async (repo: SqliteContractRepository, filter = {}) => (await repo.find(filter, { limit: 1000 })).items;

  it('scan returns every contract in list order, in batches of the given size, with filters', async () => {
    const repo = await store();
    await seed(repo, 7);
    const batches: Contract[][] = [];
    for await (const batch of repo.scan({}, { batchSize: 4 })) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 4, 2]);
    expect(batches.flat()).toEqual(await listAll(repo));

    const exact: Contract[][] = [];
    for await (const batch of repo.scan({}, { batchSize: 7 })) exact.push(batch);
    expect(exact.map((b) => b.length)).toEqual([7, 7]);

    const odd: Contract[] = [];
    for await (const batch of repo.scan({ session_id: 'odd', contract_type: 'REQUEST' }, { batchSize: 2 })) odd.push(...batch);
    expect(odd).toEqual(await listAll(repo, { session_id: 'odd', contract_type: 'REQUEST' }));
    expect(odd).toHaveLength(3);

    const none: Contract[][] = [];
    for await (const batch of repo.scan({ session_id: 'unknown' })) none.push(batch);
    expect(none).toEqual([]);
    await expect(async () => {
      for await (const _batch of repo.scan({}, { batchSize: 0 }));
    }).rejects.toThrow(RangeError);
  });

  it('writes one contract per line in list order, reading the store only as fast as the destination takes it', async () => {
    const repo = await store();
    await seed(repo, 50);
    let read = 0;
    let written = 0;
    let maxAhead = 0;
    const counting = Object.create(repo) as SqliteContractRepository;
    counting.scan = async function* (filter, options) {
      for await (const batch of repo.scan(filter, options)) {
        read++;
        yield batch;
      }
    };
    const sink = new SlowSink(() => {
      written++;
      maxAhead = Math.max(maxAhead, read - written);
    });
    const count = await new NdjsonContractsExporter(counting).exportTo(sink, {}, { batchSize: 5 });
    expect(count).toBe(100);
    expect(read).toBe(20);
    // A batch being written, one buffered in the readable, one being read: never the whole store.
    expect(maxAhead).toBeLessThanOrEqual(3);
    const lines = sink.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual(await listAll(repo));

    const evenSink = new SlowSink();
    expect(await new NdjsonContractsExporter(repo).exportTo(evenSink, { session_id: 'even' })).toBe(50);
    expect(
      evenSink.text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).session_id),
    ).toEqual(Array(50).fill('even'));
  });

  it('an export imported into an empty store gives the same contracts and sessions; a second import adds nothing', async () => {
    const original = await store();
    await seed(original, 30);
    const sink = new SlowSink();
    await new NdjsonContractsExporter(original).exportTo(sink);

    const copy = await store();
    const importer = new NdjsonContractsImporter(copy);
    expect(await importer.importStream(source(sink.text), { batchSize: 7 })).toEqual({ lines: 60, found: 60, imported: 60, invalid: 0 });
    expect(await listAll(copy)).toEqual(await listAll(original));
    expect((await copy.listSessions({ limit: 10 })).items).toEqual((await original.listSessions({ limit: 10 })).items);
    expect(await importer.importStream(source(sink.text))).toEqual({ lines: 60, found: 60, imported: 0, invalid: 0 });
  });

  it('skips invalid lines, reporting each with its line number, and imports the others', async () => {
    const original = await store();
    await seed(original, 2);
    const sink = new SlowSink();
    await new NdjsonContractsExporter(original).exportTo(sink);
    const [a, b, c, d] = sink.text.trimEnd().split('\n');
    const text = [a, '', '{not json', b, JSON.stringify({ ...JSON.parse(c!), status: 'done' }), d, ''].join('\n');

    const reported: [number, string][] = [];
    const onInvalidLine = (line: number, reason: string) => reported.push([line, reason]);
    expect(await checkNdjsonContracts(source(text), { onInvalidLine })).toEqual({ lines: 6, found: 3, imported: 0, invalid: 2 });

    const copy = await store();
    reported.length = 0;
    expect(await new NdjsonContractsImporter(copy).importStream(source(text), { onInvalidLine })).toEqual({
      lines: 6,
      found: 3,
      imported: 3,
      invalid: 2,
    });
    expect(reported).toEqual([
      [3, expect.stringMatching(/^not valid JSON/)],
      [5, 'status "done" is not one of pending, in_progress, completed, failed, cancelled'],
    ]);
    expect((await listAll(copy)).map((x) => x.contract_id)).toEqual([a, b, d].map((line) => JSON.parse(line!).contract_id));
  });
});
