import 'reflect-metadata';
import { normalizeKeyAgent, normalizeKeyName } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { KEY_CACHE_TTL_MS, SCOPES } from '../auth/auth.constants.js';
import { ApiKeyInputError } from '../auth/errors/api-key-input.error.js';
import type { ApiKeyRecord } from '../auth/interfaces/api-key.interface.js';
import { KyselyApiKeysRepository } from '../auth/index.js';
import { parseScopes } from '../auth/scopes.js';
import { loadDatabaseConfig, openDatabase } from '../database/index.js';
import { loadEnvFile, parseCommandLine, textTable, UsageError } from './command-line.js';

/**
 * `npm run keys -- create|list|revoke`: manages the API keys in `${DATA_DIR}/orchestrator.db`, while
 * the server runs or not (SQLite WAL). A created key is printed once and stored only as a hash.
 * Exit code 0 on success, 1 when the command failed (e.g. an unknown id), 2 on bad usage.
 */

const USAGE = `usage: npm run keys -- <command>

  create --name <name> --scopes <scope,...> [--agent <agent_id>] [--json]
      Creates a key and prints it once (only its hash is stored). --agent (with --scopes agent
      only) binds the key to one agent: it may send that agent's heartbeats and delegate only for
      the tasks that agent runs.
  list [--json]
      Every key: id, name, scopes, bound agent, created, last used, revoked. Never the key.
  revoke <id>
      Revokes a key; a running server refuses it within ${KEY_CACHE_TTL_MS / 1000} s.

scopes: read (every GET), invoke (orchestrate, tasks, cancel, compress),
        agent (heartbeats and delegation of remote agents), admin (everything)
The store is \${DATA_DIR}/orchestrator.db (DATA_DIR defaults to ./data).`;

type Command =
  | { name: 'create'; keyName: string; scopes: string; agent: string | undefined; json: boolean }
  | { name: 'list'; json: boolean }
  | { name: 'revoke'; id: string }
  | { name: 'help' };

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  const { values, positionals } = parseCommandLine(
    rest,
    { name: { type: 'string' }, scopes: { type: 'string' }, agent: { type: 'string' }, json: { type: 'boolean', default: false } },
    true,
  );
  switch (command) {
    case 'create':
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      if (values.name === undefined) throw new UsageError('create needs --name <name>');
      if (values.scopes === undefined) throw new UsageError(`create needs --scopes <scope,...> (${SCOPES.join(', ')})`);
      return { name: 'create', keyName: values.name, scopes: values.scopes, agent: values.agent, json: values.json };
    case 'list':
      if (positionals.length > 0 || values.name !== undefined || values.scopes !== undefined || values.agent !== undefined) {
        throw new UsageError('list takes no arguments but --json');
      }
      return { name: 'list', json: values.json };
    case 'revoke':
      if (
        positionals.length !== 1 ||
        values.name !== undefined ||
        values.scopes !== undefined ||
        values.agent !== undefined ||
        values.json
      ) {
        throw new UsageError('revoke takes exactly one key id');
      }
      return { name: 'revoke', id: positionals[0]! };
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function table(keys: ApiKeyRecord[]): string {
  const header = ['id', 'name', 'scopes', 'agent', 'created_at', 'last_used_at', 'revoked_at'];
  const rows = keys.map((k) => [
    k.id,
    k.name,
    k.scopes.join(','),
    k.agent_id ?? '-',
    k.created_at,
    k.last_used_at ?? '-',
    k.revoked_at ?? '-',
  ]);
  return textTable(header, rows);
}

async function run(command: Exclude<Command, { name: 'help' }>): Promise<number> {
  // Validate before opening the store, so that bad input creates nothing (not even the data dir).
  const scopes = command.name === 'create' ? parseScopes(command.scopes) : [];
  const keyName = command.name === 'create' ? normalizeKeyName(command.keyName) : '';
  const agentId = command.name === 'create' ? normalizeKeyAgent(command.agent, scopes) : null;
  const db = await openDatabase(loadDatabaseConfig());
  try {
    const keys = new ApiKeysService(new KyselyApiKeysRepository(db), { authRequired: false });
    switch (command.name) {
      case 'create': {
        const { record, key } = await keys.create(keyName, scopes, agentId);
        if (command.json) {
          console.log(JSON.stringify({ ...record, key }));
        } else {
          const binding = record.agent_id === null ? '' : `, bound to agent ${record.agent_id}`;
          console.log(`created API key ${record.id} '${record.name}' with scopes ${record.scopes.join(',')}${binding}`);
          console.log('key (shown only now; send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"):');
          console.log(key);
        }
        return 0;
      }
      case 'list': {
        const all = await keys.list();
        if (command.json) console.log(JSON.stringify(all));
        else if (all.length === 0) console.log('no API keys (the API is open until one is created)');
        else console.log(table(all));
        return 0;
      }
      case 'revoke': {
        const revoked = await keys.revoke(command.id);
        if (revoked === undefined) {
          console.error(`no API key has the id '${command.id}' (see npm run keys -- list)`);
          return 1;
        }
        const { record, alreadyRevoked } = revoked;
        console.log(`${alreadyRevoked ? 'already revoked' : 'revoked'}: API key ${record.id} '${record.name}' (at ${record.revoked_at})`);
        return 0;
      }
    }
  } finally {
    await db.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.name === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    return await run(command);
  } catch (error) {
    if (!(error instanceof ApiKeyInputError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
}

try {
  await loadEnvFile();
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
}
