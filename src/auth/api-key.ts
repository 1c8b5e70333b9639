import { hash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { API_KEY_HEADER, API_KEY_PATTERN, API_KEY_PREFIX, API_KEY_RANDOM_BYTES, MAX_KEY_NAME_LENGTH } from './auth.constants.js';
import { AGENT_ID_PATTERN } from '../agents/agents.constants.js';
import type { Scope } from './auth.constants.js';
import { agentBindingScopesMessage, badKeyAgentMessage, badKeyNameMessage } from './auth.messages.js';
import { ApiKeyInputError } from './errors/api-key-input.error.js';

/** A new key: the prefix and 32 random bytes, base64url (`ao_` + 43 characters). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(API_KEY_RANDOM_BYTES).toString('base64url');
}

/**
 * What is stored instead of the key: its SHA-256, hex. The key is 256 random bits, so a plain hash
 * is enough (no salt or slow hash needed), and keys are looked up by it. One-shot `crypto.hash`:
 * no Hash object per request.
 */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Whether a presented value has the shape of a key this service issues. */
export function isWellFormedApiKey(value: string): boolean {
  return value.length === API_KEY_PREFIX.length + 43 && API_KEY_PATTERN.test(value);
}

/** Outcome of reading the key a request presents. */
export type PresentedKey = { kind: 'none' } | { kind: 'conflict' } | { kind: 'key'; key: string };

const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+([^ \t]+)[ \t]*$/;

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : value.join(', ');
  return value;
}

/**
 * The key sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. An Authorization header of
 * another scheme (e.g. Basic, for a proxy) is ignored. Both headers with different values is a
 * conflict; a malformed value is returned as is and refused by the caller.
 */
export function readPresentedKey(headers: IncomingHttpHeaders): PresentedKey {
  const authorization = single(headers.authorization)?.trim();
  const bearer = authorization ? BEARER.exec(authorization)?.[1] : undefined;
  const header = single(headers[API_KEY_HEADER])?.trim();
  const apiKey = header === '' ? undefined : header;
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return { kind: 'conflict' };
  const key = bearer ?? apiKey;
  if (key !== undefined) return { kind: 'key', key };
  // "Authorization: Bearer" with no token, or an empty one, counts as a key that is not valid.
  if (authorization !== undefined && /^bearer\b/i.test(authorization)) return { kind: 'key', key: '' };
  return { kind: 'none' };
}

/**
 * The agent a new key is bound to: null without one; an agent id only for a key whose sole scope is
 * `agent` (a bound key with other scopes would act beyond that agent). Throws ApiKeyInputError.
 */
export function normalizeKeyAgent(agentId: string | undefined | null, scopes: readonly Scope[]): string | null {
  if (agentId === undefined || agentId === null) return null;
  if (scopes.length !== 1 || scopes[0] !== 'agent') throw new ApiKeyInputError(agentBindingScopesMessage(scopes));
  if (!AGENT_ID_PATTERN.test(agentId)) throw new ApiKeyInputError(badKeyAgentMessage(agentId));
  return agentId;
}

/** A key's name, trimmed; 1-100 characters, no control characters. */
export function normalizeKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEY_NAME_LENGTH || /\p{Cc}/u.test(trimmed)) {
    throw new ApiKeyInputError(badKeyNameMessage());
  }
  return trimmed;
}
