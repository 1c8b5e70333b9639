import type { ApiKeyRecord, NewApiKeyRecord } from './interfaces/api-key.interface.js';

/** A stored key with what authentication needs. */
export interface StoredApiKey extends ApiKeyRecord {
  key_hash: string;
}

/**
 * Storage of API keys (hashes only). An abstract class so that it is the DI token; the SQLite
 * adapter implements it over the contract store's database.
 */
export abstract class ApiKeysRepository {
  abstract insert(key: NewApiKeyRecord): Promise<void>;

  /** The key with this hash, revoked or not. */
  abstract findByHash(keyHash: string): Promise<StoredApiKey | undefined>;

  /** Every key, oldest first. */
  abstract list(): Promise<ApiKeyRecord[]>;

  /**
   * Marks a key revoked at `at`, unless it already is (its first revocation time stays); the key after
   * that, or undefined if no key has this id.
   */
  abstract revoke(id: string, at: string): Promise<{ record: ApiKeyRecord; alreadyRevoked: boolean } | undefined>;

  /** Records a use of the key. */
  abstract touch(id: string, at: string): Promise<void>;

  /** Whether any key was ever created (revoked ones included). */
  abstract anyExists(): Promise<boolean>;

  /** Number of keys not revoked. */
  abstract countActive(): Promise<number>;
}
