import { jsonDepth } from './body-depth.js';

describe('jsonDepth', () => {
  it('counts nested objects and arrays without recursion', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }], c: {} })).toBe(3);
    expect(jsonDepth(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toBe(100_000);
  });

  it('stops counting past the limit', () => {
    expect(jsonDepth(JSON.parse('['.repeat(1000) + ']'.repeat(1000)), 64)).toBe(65);
  });
});
