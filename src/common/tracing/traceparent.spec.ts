import { isTraceparent, newTraceparent, traceparentFrom } from './traceparent.js';

describe('traceparent', () => {
  it('accepts W3C headers and rejects malformed or all-zero ones', () => {
    expect(isTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(true);
    expect(isTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')).toBe(true);
    for (const bad of [
      undefined,
      '',
      'garbage',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
    ]) {
      expect(isTraceparent(bad)).toBe(false);
    }
  });

  it('keeps a valid header and starts a new trace otherwise', () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceparentFrom(header)).toBe(header);
    const fresh = traceparentFrom('nope');
    expect(isTraceparent(fresh)).toBe(true);
    expect(fresh).not.toBe(newTraceparent());
  });
});
