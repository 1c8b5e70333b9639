import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, isWellFormedApiKey, normalizeKeyAgent, normalizeKeyName, readPresentedKey } from './api-key.js';
import { ApiKeyInputError } from './errors/api-key-input.error.js';

describe('API key format and hashing', () => {
  it('a new key is ao_ and 32 random bytes in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^ao_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it('keys do not repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
  });

  it('the stored hash is the SHA-256 of the key, hex', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
  });

  it.each([
    '',
    'ao_',
    'ao_short',
    `AO_${'a'.repeat(43)}`,
    `ao_${'a'.repeat(42)}`,
    `ao_${'a'.repeat(44)}`,
    `ao_${'a'.repeat(42)}=`,
    `ao_${'a'.repeat(42)}+`,
    `xx_${'a'.repeat(43)}`,
    ` ao_${'a'.repeat(43)}`,
  ])('refuses a malformed key %j', (value) => {
    expect(isWellFormedApiKey(value)).toBe(false);
  });
});

describe('readPresentedKey', () => {
  const key = `ao_${'a'.repeat(43)}`;
  const other = `ao_${'b'.repeat(43)}`;

  it.each([
    [{}, { kind: 'none' }],
    [{ authorization: `Bearer ${key}` }, { kind: 'key', key }],
    [{ authorization: `bearer   ${key}  ` }, { kind: 'key', key }],
    [{ 'x-api-key': key }, { kind: 'key', key }],
    [{ 'x-api-key': ` ${key} ` }, { kind: 'key', key }],
    [
      { authorization: `Bearer ${key}`, 'x-api-key': key },
      { kind: 'key', key },
    ],
    [{ authorization: `Bearer ${key}`, 'x-api-key': other }, { kind: 'conflict' }],
    [
      { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': key },
      { kind: 'key', key },
    ],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, { kind: 'none' }],
    [{ authorization: 'Bearer' }, { kind: 'key', key: '' }],
    [{ authorization: `Bearer ${key} extra` }, { kind: 'key', key: '' }],
    [{ 'x-api-key': '' }, { kind: 'none' }],
    [{ 'x-api-key': [key, other] }, { kind: 'key', key: `${key}, ${other}` }],
  ])('%j → %j', (headers, expected) => {
    expect(readPresentedKey(headers as Record<string, string>)).toEqual(expected);
  });
});

describe('normalizeKeyName', () => {
  it('trims', () => {
    expect(normalizeKeyName('  ci deploy ')).toBe('ci deploy');
  });
  it.each(['', '   ', 'a'.repeat(101), 'tab\there', 'new\nline', '\u0000'])('refuses %j', (name) => {
    expect(() => normalizeKeyName(name)).toThrow(ApiKeyInputError);
  });
});

describe('normalizeKeyAgent', () => {
  it('no agent: not bound, whatever the scopes', () => {
    expect(normalizeKeyAgent(undefined, ['read', 'admin'])).toBeNull();
    expect(normalizeKeyAgent(null, ['agent'])).toBeNull();
  });
  it('binds a key whose only scope is agent', () => {
    expect(normalizeKeyAgent('agent_a', ['agent'])).toBe('agent_a');
  });
  it.each([
    [['read'], "must be exactly 'agent' (not read)"],
    [['agent', 'admin'], "must be exactly 'agent' (not agent,admin)"],
  ] as const)('refuses a binding with the scopes %j', (scopes, message) => {
    expect(() => normalizeKeyAgent('agent_a', scopes)).toThrow(message);
  });
  it.each(['', '../a', 'a b', 'x'.repeat(129)])('refuses the agent id %j', (agentId) => {
    expect(() => normalizeKeyAgent(agentId, ['agent'])).toThrow(ApiKeyInputError);
  });
});
