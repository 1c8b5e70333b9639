/**
 * The `api_keys` table (migration `0004_api_keys`) as Kysely sees it. Times are ISO-8601 UTC
 * strings; `scopes` is a comma-separated list (`read,invoke`).
 */
export type ApiKeysTable = {
  id: string;
  name: string;
  /** SHA-256 of the key, hex; unique. */
  key_hash: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** The agent the key is bound to (migration `0008_api_key_agent`); null for an unbound key. */
  agent_id: string | null;
};

/** The auth module's tables; `Database` (src/database) composes them with the others. */
export interface ApiKeysTables {
  api_keys: ApiKeysTable;
}
