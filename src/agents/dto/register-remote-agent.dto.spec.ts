import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isHttpEndpoint, normalizeEndpoint, RegisterRemoteAgentDto } from './register-remote-agent.dto.js';

describe('remote agent endpoints', () => {
  it.each(['http://127.0.0.1:9100', 'https://agents.example.com/a/b/', 'http://localhost:1', 'http://[::1]:8080/x'])(
    'accepts %s',
    (url) => {
      expect(isHttpEndpoint(url)).toBe(true);
    },
  );

  it.each([
    'ftp://x',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'http://',
    'not a url',
    ' http://x',
    'http://u:p@x',
    'http://x/?a=1',
    'http://x/?',
    'http://x/#f',
    'x'.repeat(3000),
    5,
    null,
  ])('rejects %s', (url) => {
    expect(isHttpEndpoint(url)).toBe(false);
  });

  it('normalizes to origin + path without trailing slashes', () => {
    expect(normalizeEndpoint('http://127.0.0.1:9100/')).toBe('http://127.0.0.1:9100');
    expect(normalizeEndpoint('HTTPS://Agents.Example.com:443/a/b//')).toBe('https://agents.example.com/a/b');
  });
});

describe('MCP registrations', () => {
  const problems = (body: object) =>
    validateSync(plainToInstance(RegisterRemoteAgentDto, body), { forbidUnknownValues: false }).flatMap((e) =>
      Object.values(e.constraints ?? {}),
    );

  it('need a url; name, agent_id, headers and max_concurrency are optional', () => {
    expect(problems({ kind: 'mcp', url: 'http://127.0.0.1:9300/mcp' })).toEqual([]);
    expect(
      problems({
        kind: 'mcp',
        url: 'https://tools.example.com/mcp',
        agent_id: 'tools',
        name: 'Tools',
        headers: { Authorization: 'Bearer x' },
        max_concurrency: 2,
      }),
    ).toEqual([]);
    expect(problems({ kind: 'mcp' })).toEqual([expect.stringContaining('url must be an absolute http')]);
    expect(problems({ kind: 'mcp', url: 'http://x/mcp?token=1' })).toEqual([expect.stringContaining('url must be')]);
  });

  it('refuse headers that are not a small map of header names to one-line strings', () => {
    for (const headers of [
      { 'bad name': 'x' },
      { a: 1 },
      { a: 'line\nbreak' },
      ['x'],
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, 'v'])),
    ]) {
      expect(problems({ kind: 'mcp', url: 'http://x/mcp', headers })).toEqual([expect.stringContaining('headers must map')]);
    }
  });
});
