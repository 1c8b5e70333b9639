import 'reflect-metadata';
import type { Kysely } from 'kysely';
import type { OutboxRepository, TraceDeadLetter } from '../contracts/contract.repository.js';
import { contractRepositoryFor } from '../contracts/index.js';
import { loadDatabaseConfig, openDatabase, type Database } from '../database/index.js';
import { parseCommandLine, runCommand, textTable, UsageError } from './command-line.js';
import { requireExistingStore } from './contract-store.js';

/**
 * `npm run outbox -- list|requeue`: the Trace events set aside as dead letters (refused for good by
 * Trace, or out of TRACE_MAX_ATTEMPTS) in `${DATA_DIR}/orchestrator.db`, while the server runs or not.
 * Only the outbox tables are read or written: no restart recovery, no task is touched. Exit code 0 on
 * success, 1 when the command failed (e.g. an unknown id), 2 on bad usage.
 */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;
/** Longest `last_error` shown in the table (the JSON lines carry it whole). */
const TABLE_ERROR_CHARS = 80;

const USAGE = `usage: npm run outbox -- <command>

  list [--limit <n>] [--after <id>] [--json] [--data]
      Dead letters, lowest id first, at most --limit (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).
      --after <id> continues a listing; --json prints one JSON object per line; --data adds the
      event's data to each line (implies --json).
  requeue <id>... | requeue --all
      Moves dead letters back to the Trace outbox, due now, with their attempts reset.

The store is \${DATA_DIR}/orchestrator.db (DATA_DIR defaults to ./data).`;

type Command =
  | { name: 'list'; limit: number; after: number; json: boolean; data: boolean }
  | { name: 'requeue'; ids: number[] | 'all' }
  | { name: 'help' };

function positiveInteger(option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a whole number from 1 to ${max}`);
  }
  return Number(text);
}

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') return { name: 'help' };
  const { values, positionals } = parseCommandLine(
    rest,
    {
      limit: { type: 'string' },
      after: { type: 'string' },
      json: { type: 'boolean', default: false },
      data: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
    },
    true,
  );
  switch (command) {
    case 'list':
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      if (values.all) throw new UsageError('--all belongs to requeue');
      return {
        name: 'list',
        limit: values.limit === undefined ? DEFAULT_LIMIT : positiveInteger('--limit', values.limit, MAX_LIMIT),
        after: values.after === undefined ? 0 : positiveInteger('--after', values.after),
        json: values.json || values.data,
        data: values.data,
      };
    case 'requeue':
      if (values.limit !== undefined || values.after !== undefined || values.json || values.data) {
        throw new UsageError('requeue takes ids or --all, nothing else');
      }
      if (values.all && positionals.length > 0) throw new UsageError('requeue takes either ids or --all, not both');
      if (!values.all && positionals.length === 0) throw new UsageError('requeue needs the ids to requeue (see list) or --all');
      return { name: 'requeue', ids: values.all ? 'all' : positionals.map((id) => positiveInteger('id', id)) };
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function jsonLine(letter: TraceDeadLetter, withData: boolean): string {
  const { data, ...rest } = letter;
  const contractId = typeof data.contract_id === 'string' ? data.contract_id : null;
  return JSON.stringify({ ...rest, contract_id: contractId, ...(withData ? { data } : {}) });
}

function table(letters: TraceDeadLetter[]): string {
  const header = ['id', 'session_id', 'event_type', 'contract_id', 'attempts', 'last_status', 'dead_at', 'last_error'];
  const rows = letters.map((d) => {
    const error = d.last_error.replace(/\s+/g, ' ');
    return [
      String(d.id),
      d.session_id,
      d.event_type,
      typeof d.data.contract_id === 'string' ? d.data.contract_id : '-',
      String(d.attempts),
      d.last_status === null ? '-' : String(d.last_status),
      d.dead_at,
      error.length > TABLE_ERROR_CHARS ? `${error.slice(0, TABLE_ERROR_CHARS - 1)}…` : error,
    ];
  });
  return textTable(header, rows);
}

async function list(outbox: OutboxRepository, command: Extract<Command, { name: 'list' }>): Promise<number> {
  // One more than asked, to tell whether the listing goes on.
  const letters = await outbox.listDeadLetters(command.limit + 1, command.after);
  const shown = letters.slice(0, command.limit);
  const more = letters.length > command.limit;
  if (command.json) {
    for (const letter of shown) console.log(jsonLine(letter, command.data));
  } else if (shown.length === 0) {
    console.log(command.after > 0 ? `no dead letters after id ${command.after}` : 'no dead letters');
  } else {
    console.log(table(shown));
  }
  const { count } = await outbox.deadLetterSummary();
  // Summary on stderr, so that --json output stays one object per line.
  if (more) console.error(`${shown.length} of ${count} dead letter(s) shown; next: list --after ${shown[shown.length - 1]!.id}`);
  else if (command.json || shown.length > 0) console.error(`${count} dead letter(s) in all`);
  return 0;
}

async function requeue(outbox: OutboxRepository, ids: number[] | 'all'): Promise<number> {
  const moved = await outbox.requeueDeadLetters(ids, new Date());
  console.log(`requeued ${moved.length} dead letter(s) to the Trace outbox (due now)${moved.length > 0 ? `: ${moved.join(' ')}` : ''}`);
  if (ids === 'all') return 0;
  const found = new Set(moved);
  const unknown = [...new Set(ids)].filter((id) => !found.has(id));
  if (unknown.length === 0) return 0;
  console.error(`no dead letter has the id ${unknown.join(', ')} (see npm run outbox -- list)`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const command = parseCommand(argv);
  if (command.name === 'help') {
    console.log(USAGE);
    return 0;
  }
  requireExistingStore();
  const db: Kysely<Database> = await openDatabase(loadDatabaseConfig());
  try {
    // The repository only: ContractsModule would run restart recovery (closing "interrupted" tasks).
    const outbox: OutboxRepository = contractRepositoryFor(db);
    return command.name === 'list' ? await list(outbox, command) : await requeue(outbox, command.ids);
  } finally {
    await db.destroy();
  }
}

await runCommand(main, `\n${USAGE}`, (error) => `outbox command failed: ${error instanceof Error ? error.message : String(error)}`);
