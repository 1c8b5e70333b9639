import { ADMIN_SCOPE, SCOPES, type Scope } from './auth.constants.js';
import { noScopesMessage, unknownScopeMessage } from './auth.messages.js';
import { ApiKeyInputError } from './errors/api-key-input.error.js';

/** What a route asks of a caller: nothing (`@Public()`), or one of the listed scopes (`@Scopes(...)`). */
export type RouteAccess = { readonly public: true } | { readonly public: false; readonly scopes: readonly Scope[] };

export const PUBLIC_ACCESS: RouteAccess = Object.freeze({ public: true });

/** A route without `@Scopes` or `@Public` needs `admin`: forgetting the decorator never opens a route. */
export const DEFAULT_ACCESS: RouteAccess = Object.freeze({ public: false, scopes: Object.freeze([ADMIN_SCOPE]) });

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Whether a key with `granted` scopes may call a route that needs one of `required`. `admin` grants
 * everything; the other scopes grant only themselves.
 */
export function grantsAccess(granted: readonly Scope[], required: readonly Scope[]): boolean {
  if (granted.includes(ADMIN_SCOPE)) return true;
  return required.some((scope) => granted.includes(scope));
}

/**
 * Parses a comma-separated scope list (`read,invoke`): trimmed, duplicates dropped, in the canonical
 * order. Throws ApiKeyInputError for an unknown scope or an empty list.
 */
export function parseScopes(list: string): Scope[] {
  const wanted = new Set<Scope>();
  for (const raw of list.split(',')) {
    const scope = raw.trim();
    if (scope === '') continue;
    if (!isScope(scope)) throw new ApiKeyInputError(unknownScopeMessage(scope));
    wanted.add(scope);
  }
  if (wanted.size === 0) throw new ApiKeyInputError(noScopesMessage());
  return SCOPES.filter((s) => wanted.has(s));
}

/** Scopes as stored (`read,invoke`) back to a list; anything unknown is dropped, never granted. */
export function scopesFromStorage(stored: string): Scope[] {
  const present = new Set(stored.split(',').map((s) => s.trim()));
  return SCOPES.filter((s) => present.has(s));
}

export function scopesToStorage(scopes: readonly Scope[]): string {
  return SCOPES.filter((s) => scopes.includes(s)).join(',');
}
