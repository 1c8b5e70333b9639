import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { newUlid } from '../common/ids/ulid.js';
import { generateApiKey, hashApiKey, normalizeKeyAgent, normalizeKeyName } from './api-key.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { authConfig } from './auth.config.js';
import {
  INVALID_KEY_CACHE_MAX_ENTRIES,
  INVALID_KEY_CACHE_TTL_MS,
  KEY_CACHE_MAX_ENTRIES,
  KEY_CACHE_TTL_MS,
  KEYS_EXIST_TTL_MS,
  LAST_USED_WRITE_INTERVAL_MS,
  type OpenAccess,
  type Scope,
} from './auth.constants.js';
import { authRequiredWithoutKeysWarning, keysActiveLog, openApiWarning, protectedModeLog } from './auth.messages.js';
import type { ApiKeyPrincipal, ApiKeyRecord, CreatedApiKey } from './interfaces/api-key.interface.js';

interface CachedKey {
  principal: ApiKeyPrincipal;
  expiresAt: number;
}

/**
 * Creates, lists and revokes API keys, and authenticates presented keys for the guard.
 *
 * Keys may be created and revoked by the keys CLI in another process while the server runs, so
 * nothing is cached for long: "does any key exist" is asked again at most once a second while the
 * answer is no (once a key exists the answer stays yes: revoking every key does not reopen the API);
 * a key found in the store is trusted for at most KEY_CACHE_TTL_MS, so a revocation takes effect
 * within that. A key not found (or revoked) is remembered as invalid for INVALID_KEY_CACHE_TTL_MS,
 * so that the same bad key sent again and again costs no look-up.
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  /** Keys identified per request (by the rate limit), for the guard of the same request. */
  private readonly identified = new WeakMap<object, { key: string; principal: ApiKeyPrincipal | undefined }>();

  private readonly logger = new Logger('Auth');
  private keysExistKnown = false;
  private keysExistCheckedAt = Number.NEGATIVE_INFINITY;
  private keysExistQuery: Promise<boolean> | undefined;
  private readonly cache = new Map<string, CachedKey>();
  /** Hashes of keys found invalid, with when that answer expires; oldest first. */
  private readonly invalid = new Map<string, number>();
  private readonly lastUsedWrittenAt = new Map<string, number>();

  constructor(
    private readonly repository: ApiKeysRepository,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  /** Whether AUTH_REQUIRED is set: requests are refused while no key exists. */
  get authRequired(): boolean {
    return this.config.authRequired;
  }

  /** OPEN_ACCESS: who is served while no key exists (and AUTH_REQUIRED is unset). */
  get openAccess(): OpenAccess {
    return this.config.openAccess ?? 'loopback';
  }

  async onApplicationBootstrap(): Promise<void> {
    if (await this.refreshKeysExist()) {
      this.logger.log(keysActiveLog(await this.repository.countActive()));
    } else if (this.config.authRequired) {
      this.logger.warn(authRequiredWithoutKeysWarning());
    } else if (this.openAccess === 'any') {
      this.logger.warn(openApiWarning());
    } else {
      this.logger.warn(protectedModeLog());
    }
  }

  /**
   * Whether any key was ever created. Answers from memory when it can (always once a key exists; for
   * KEYS_EXIST_TTL_MS after asking otherwise), else asks the store (one query at a time).
   */
  async keysExist(): Promise<boolean> {
    if (this.keysExistKnown) return true;
    if (Date.now() - this.keysExistCheckedAt < KEYS_EXIST_TTL_MS) return false;
    return this.refreshKeysExist();
  }

  private refreshKeysExist(): Promise<boolean> {
    this.keysExistQuery ??= this.repository
      .anyExists()
      .then((exists) => {
        if (exists) this.keysExistKnown = true;
        this.keysExistCheckedAt = Date.now();
        return exists;
      })
      .finally(() => {
        this.keysExistQuery = undefined;
      });
    return this.keysExistQuery;
  }

  /**
   * The active key `key` is, or undefined (unknown or revoked), and records its use. Answers from
   * memory for a key found within the last KEY_CACHE_TTL_MS or found invalid within
   * INVALID_KEY_CACHE_TTL_MS. The caller checks the key's shape first.
   */
  async authenticate(key: string, request?: object): Promise<ApiKeyPrincipal | undefined> {
    // The rate limit identified this request's key already: hash and look it up once per request.
    const known = request === undefined ? undefined : this.identified.get(request);
    const principal = known?.key === key ? known.principal : await this.identify(key);
    if (principal !== undefined) this.noteUse(principal.id, Date.now());
    return principal;
  }

  /**
   * Like authenticate, without recording a use: which live key `key` is, if any. Used by the rate
   * limit before the body is read, so it never asks the store while no key exists.
   */
  async identify(key: string, request?: object): Promise<ApiKeyPrincipal | undefined> {
    const principal = await this.identifyKey(key);
    if (request !== undefined) this.identified.set(request, { key, principal });
    return principal;
  }

  private async identifyKey(key: string): Promise<ApiKeyPrincipal | undefined> {
    const keyHash = hashApiKey(key);
    const now = Date.now();
    const cached = this.cache.get(keyHash);
    if (cached !== undefined && cached.expiresAt > now) return cached.principal;
    const invalidUntil = this.invalid.get(keyHash);
    if (invalidUntil !== undefined) {
      if (invalidUntil > now) return undefined;
      this.invalid.delete(keyHash);
    }
    if (!(await this.keysExist())) return undefined;
    return this.lookUp(keyHash);
  }

  private async lookUp(keyHash: string): Promise<ApiKeyPrincipal | undefined> {
    const stored = await this.repository.findByHash(keyHash);
    const now = Date.now();
    if (stored === undefined || stored.revoked_at !== null) {
      this.cache.delete(keyHash);
      this.rememberInvalid(keyHash, now);
      return undefined;
    }
    const principal: ApiKeyPrincipal = Object.freeze({
      id: stored.id,
      name: stored.name,
      scopes: Object.freeze([...stored.scopes]),
      agent_id: stored.agent_id ?? null,
    });
    this.cache.delete(keyHash);
    if (this.cache.size >= KEY_CACHE_MAX_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(keyHash, { principal, expiresAt: now + KEY_CACHE_TTL_MS });
    // A key found in the store proves that keys exist, whatever the cached answer said.
    this.keysExistKnown = true;
    return principal;
  }

  private rememberInvalid(keyHash: string, now: number): void {
    this.invalid.delete(keyHash);
    if (this.invalid.size >= INVALID_KEY_CACHE_MAX_ENTRIES) {
      const oldest = this.invalid.keys().next();
      if (!oldest.done) this.invalid.delete(oldest.value);
    }
    this.invalid.set(keyHash, now + INVALID_KEY_CACHE_TTL_MS);
  }

  /** Invalid keys remembered (for tests and diagnostics). */
  get invalidKeysRemembered(): number {
    return this.invalid.size;
  }

  /** Writes `last_used_at` in the background, at most once per LAST_USED_WRITE_INTERVAL_MS per key. */
  private noteUse(id: string, now: number): void {
    const last = this.lastUsedWrittenAt.get(id);
    if (last !== undefined && now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrittenAt.set(id, now);
    this.repository.touch(id, new Date(now).toISOString()).catch((error: unknown) => {
      // Bookkeeping only: a failed write (e.g. at shutdown) must not fail the request.
      this.logger.debug(`Could not record the use of API key ${id}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * Creates a key; the result holds the key itself, which is never stored nor shown again. `agentId`
   * binds an `agent`-scope key to that agent (its heartbeats and delegation only).
   */
  async create(name: string, scopes: readonly Scope[], agentId?: string | null): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const record: ApiKeyRecord = {
      id: newUlid(),
      name: normalizeKeyName(name),
      scopes: [...scopes],
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
      agent_id: normalizeKeyAgent(agentId, scopes),
    };
    await this.repository.insert({
      id: record.id,
      name: record.name,
      key_hash: hashApiKey(key),
      scopes: record.scopes,
      created_at: record.created_at,
      agent_id: record.agent_id,
    });
    this.keysExistKnown = true;
    return { record, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.repository.list();
  }

  /**
   * Revokes a key; undefined if no key has this id. Takes effect in this process at once, in a
   * running server within KEY_CACHE_TTL_MS. Revoking a revoked key keeps its first revocation time.
   */
  async revoke(id: string): Promise<{ record: ApiKeyRecord; alreadyRevoked: boolean } | undefined> {
    const revoked = await this.repository.revoke(id, new Date().toISOString());
    if (revoked === undefined) return undefined;
    for (const [hash, cached] of this.cache) if (cached.principal.id === id) this.cache.delete(hash);
    return revoked;
  }
}
