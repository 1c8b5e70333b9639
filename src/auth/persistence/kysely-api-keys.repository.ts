import { Inject, Injectable } from '@nestjs/common';
import type { Kysely, Selectable } from 'kysely';
import { DATABASE } from '../../database/index.js';
import { ApiKeysRepository, type StoredApiKey } from '../api-keys.repository.js';
import type { ApiKeyRecord, NewApiKeyRecord } from '../interfaces/api-key.interface.js';
import { scopesFromStorage, scopesToStorage } from '../scopes.js';
import type { ApiKeysTable, ApiKeysTables } from './api-keys.tables.js';

const RECORD_COLUMNS = ['id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at', 'agent_id'] as const;

function toRecord(row: Pick<Selectable<ApiKeysTable>, (typeof RECORD_COLUMNS)[number]>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: scopesFromStorage(row.scopes),
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
    agent_id: row.agent_id,
  };
}

/**
 * API keys in the store (`api_keys`), through its Kysely instance: the same adapter on SQLite and
 * PostgreSQL (only Kysely's query builder is used; text sorts byte-wise on both).
 */
@Injectable()
export class KyselyApiKeysRepository extends ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly db: Kysely<ApiKeysTables>) {
    super();
  }

  override async insert(key: NewApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        name: key.name,
        key_hash: key.key_hash,
        scopes: scopesToStorage(key.scopes),
        created_at: key.created_at,
        last_used_at: null,
        revoked_at: null,
        agent_id: key.agent_id ?? null,
      })
      .execute();
  }

  override async findByHash(keyHash: string): Promise<StoredApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .select([...RECORD_COLUMNS, 'key_hash'])
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    return row && { ...toRecord(row), key_hash: row.key_hash };
  }

  override async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').select(RECORD_COLUMNS).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  override async revoke(id: string, at: string): Promise<{ record: ApiKeyRecord; alreadyRevoked: boolean } | undefined> {
    const update = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const row = await this.db.selectFrom('api_keys').select(RECORD_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && { record: toRecord(row), alreadyRevoked: update.numUpdatedRows === 0n };
  }

  override async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  override async anyExists(): Promise<boolean> {
    const row = await this.db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
    return row !== undefined;
  }

  override async countActive(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
