import { isHttpEndpoint, normalizeEndpoint } from './register-remote-agent.dto.js';

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
