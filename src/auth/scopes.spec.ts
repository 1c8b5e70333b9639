import { SCOPES, type Scope } from './auth.constants.js';
import { ApiKeyInputError } from './errors/api-key-input.error.js';
import { grantsAccess, parseScopes, scopesFromStorage, scopesToStorage } from './scopes.js';

describe('scopes', () => {
  it('parses a comma-separated list: trimmed, deduplicated, in canonical order', () => {
    expect(parseScopes('invoke, read,read,')).toEqual(['read', 'invoke']);
    expect(parseScopes('admin')).toEqual(['admin']);
  });

  it.each(['', ' , ', 'reader', 'read,write', 'READ', 'read;invoke'])('refuses %j', (list) => {
    expect(() => parseScopes(list)).toThrow(ApiKeyInputError);
  });

  it('names the unknown scope and the known ones', () => {
    expect(() => parseScopes('read,root')).toThrow("unknown scope 'root': the scopes are read, invoke, agent, admin");
  });

  // granted → which single-scope routes it may call
  const cases: Array<[Scope[], Scope[]]> = [
    [['read'], ['read']],
    [['invoke'], ['invoke']],
    [['agent'], ['agent']],
    [
      ['read', 'invoke'],
      ['read', 'invoke'],
    ],
    [['admin'], [...SCOPES]],
    [[], []],
  ];
  it.each(cases)('a key with %j may call routes needing %j and no others', (granted, allowed) => {
    for (const required of SCOPES) expect(grantsAccess(granted, [required])).toBe(allowed.includes(required));
  });

  it('a route listing several scopes accepts any one of them', () => {
    expect(grantsAccess(['agent'], ['invoke', 'agent'])).toBe(true);
    expect(grantsAccess(['read'], ['invoke', 'agent'])).toBe(false);
  });

  it('round-trips through storage; unknown stored scopes are never granted', () => {
    expect(scopesFromStorage(scopesToStorage(['invoke', 'read']))).toEqual(['read', 'invoke']);
    expect(scopesFromStorage('read,superuser, admin ')).toEqual(['read', 'admin']);
    expect(scopesFromStorage('')).toEqual([]);
  });
});
