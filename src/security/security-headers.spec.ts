import { helmetHeaders } from './security-headers.js';

describe('helmetHeaders', () => {
  it("helmet's headers: nosniff, frame options, the CSP, and no X-Powered-By", () => {
    const { set, removed } = helmetHeaders();
    const names = set.map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining(['Content-Security-Policy', 'X-Content-Type-Options', 'X-Frame-Options', 'Strict-Transport-Security']),
    );
    expect(new Map(set).get('X-Frame-Options')).toBe('DENY');
    expect(removed).toContain('X-Powered-By');
  });
});
