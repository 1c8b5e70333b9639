import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDatabaseConfig, SQLITE_BUSY_TIMEOUT_MS } from '../database/index.js';
import { parseCommandLine, runCommand, UsageError } from './command-line.js';
import { existingSqliteStore } from './contract-store.js';
import { formatBytes, prepareOutputFile } from './output-file.js';

/**
 * `npm run db:backup -- <file> [--force]`: a consistent copy of `${DATA_DIR}/orchestrator.db`, taken
 * with SQLite's online backup API while the server keeps running (and writing). The copy is one
 * self-contained file (no `-wal`), checked with `PRAGMA quick_check`, made durable, and only then
 * given its name; an existing file is replaced only with `--force`. Exit code 0 on success, 1 on a
 * failure, 2 on bad usage.
 *
 * Consistency: the backup copies every page in a single step, i.e. inside one read transaction of
 * the source. In WAL mode that read sees one snapshot and does not block the server's writes, so the
 * copy holds exactly the transactions committed before it started, and the backup never restarts
 * because of concurrent writes (it would with small steps).
 */
const USAGE = 'usage: npm run db:backup -- <file> [--force]';

/** db:backup copies the SQLite file; a PostgreSQL store has its own tools. */
const POSTGRES_BACKUP_HINT =
  'db:backup copies the embedded SQLite store; DATABASE_URL points at PostgreSQL: back it up with pg_dump ' +
  '(e.g. pg_dump --format=custom --file=orchestrator.dump "$DATABASE_URL"; restore with pg_restore)';

/** Pages copied per backup step: all of them, in one step (see above). */
const ALL_PAGES = 0x7fffffff;

interface BackupSummary {
  bytes: number;
  contracts: number;
  sessions: number;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'the backup file is missing' : 'one backup file at a time');

  if (loadDatabaseConfig().postgresUrl !== undefined) throw new UsageError(POSTGRES_BACKUP_HINT);
  const source = existingSqliteStore();
  const target = resolve(positionals[0]!);
  if (target === source || target.startsWith(`${source}-`)) throw new UsageError(`${target} is the live store itself; choose another file`);
  // A -wal or -shm file left next to the target would be taken as part of it when it is opened.
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(`${target}${suffix}`))
      throw new UsageError(`${target}${suffix} exists; remove it first (it would be read as part of the backup)`);
  }
  const output = prepareOutputFile(target, values.force === true);

  const started = performance.now();
  let summary: BackupSummary;
  try {
    await copyDatabase(source, output.partial);
    summary = checkCopy(output.partial);
    output.publish();
  } catch (error) {
    output.discard();
    throw error;
  }
  const ms = Math.round(performance.now() - started);
  console.log(
    `backup of ${source} written to ${output.path} in ${ms} ms: ${formatBytes(summary.bytes)}, ` +
      `${summary.contracts} contracts in ${summary.sessions} sessions (quick_check ok)`,
  );
  return 0;
}

async function copyDatabase(source: string, target: string): Promise<void> {
  // Read-write (not readonly): a readonly connection cannot always join a WAL database. Nothing is
  // written to the source; no migration runs.
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const isStore = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contracts'").get();
    if (isStore === undefined) throw new UsageError(`${source} is not a contract store (it has no contracts table)`);
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
}

/** Makes the copy a single rollback-journal file, checks it, and counts what it holds. */
function checkCopy(path: string): BackupSummary {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    const count = (table: string) => Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
    const contracts = count('contracts');
    const sessions = count('sessions');
    db.close();
    return { bytes: statSync(path).size, contracts, sessions };
  } finally {
    if (db.open) db.close();
  }
}

await runCommand(main, USAGE, (error) => `backup failed: ${error instanceof Error ? error.message : String(error)}`);
