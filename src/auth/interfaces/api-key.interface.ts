import type { Scope } from '../auth.constants.js';

/** A stored key as listed: never the key itself, nor its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  /** ISO-8601 UTC. */
  created_at: string;
  /** ISO-8601 UTC, or null if never used; written at most once a minute per key. */
  last_used_at: string | null;
  /** ISO-8601 UTC, or null while the key is active. */
  revoked_at: string | null;
  /** The agent an `agent`-scope key acts for (heartbeats, delegation), or null when it is not bound. */
  agent_id: string | null;
}

/** What is stored for a new key. */
export interface NewApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the key, hex. */
  key_hash: string;
  scopes: Scope[];
  created_at: string;
  /** Absent or null: the key is not bound to an agent. */
  agent_id?: string | null;
}

/** A key just created: the only time the key itself is known. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  key: string;
}

/** The caller a request was authenticated as (`request.apiKey`). */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
  scopes: readonly Scope[];
  /** The agent the key is bound to; absent or null for a key that is not bound. */
  agent_id?: string | null;
}
