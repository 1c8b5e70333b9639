import { SlidingWindowStore } from './sliding-window.store.js';

const MINUTE = 60_000;

function clock(start = 10 * MINUTE) {
  let now = start;
  return { now: () => now, set: (ms: number) => (now = ms), advance: (ms: number) => (now += ms) };
}

describe('SlidingWindowStore', () => {
  it('allows `limit` requests in a window, then refuses without counting the refusals', () => {
    const time = clock();
    const store = new SlidingWindowStore(time.now);
    for (let i = 0; i < 5; i++) expect(store.hit('a', 5, MINUTE)).toMatchObject({ allowed: true, remaining: 4 - i });
    for (let i = 0; i < 20; i++) expect(store.hit('a', 5, MINUTE)).toMatchObject({ allowed: false, remaining: 0 });
    // 20 refusals later, the estimate is still 5: after the window, the old hits fade as if there were no refusals.
    time.advance(MINUTE + MINUTE / 5 + 1);
    expect(store.hit('a', 5, MINUTE).allowed).toBe(true);
  });

  it('keeps buckets apart', () => {
    const store = new SlidingWindowStore(clock().now);
    for (let i = 0; i < 3; i++) store.hit('a', 3, MINUTE);
    expect(store.hit('a', 3, MINUTE).allowed).toBe(false);
    expect(store.hit('b', 3, MINUTE).allowed).toBe(true);
  });

  it('weights the previous window by the share of it still inside the last minute', () => {
    const time = clock();
    const store = new SlidingWindowStore(time.now);
    for (let i = 0; i < 10; i++) store.hit('a', 10, MINUTE);
    // Half-way through the next window, half of the previous 10 still count: 5 more are allowed.
    time.advance(MINUTE + MINUTE / 2);
    let allowed = 0;
    while (store.hit('a', 10, MINUTE).allowed) allowed += 1;
    expect(allowed).toBe(5);
  });

  it('a window later than the next one forgets everything', () => {
    const time = clock();
    const store = new SlidingWindowStore(time.now);
    for (let i = 0; i < 4; i++) store.hit('a', 4, MINUTE);
    time.advance(2 * MINUTE);
    for (let i = 0; i < 4; i++) expect(store.hit('a', 4, MINUTE).allowed).toBe(true);
  });

  it('Retry-After: until the end of the window and the fading of the old hits', () => {
    const time = clock();
    const store = new SlidingWindowStore(time.now);
    // Full at the start of a window: free again once 1/limit of the next window has passed.
    for (let i = 0; i < 4; i++) store.hit('a', 4, MINUTE);
    expect(store.hit('a', 4, MINUTE)).toMatchObject({ allowed: false, retryAfterSeconds: 60 + 15, resetSeconds: 60 });
    // Full in the previous window, 45 s into this one: 4 × 25% = 1 still counts, so nothing is refused...
    time.advance(MINUTE + 45_000);
    expect(store.hit('a', 4, MINUTE)).toMatchObject({ allowed: true, resetSeconds: 15 });
    // ...until the estimate reaches 4; then free when enough of the previous window fades.
    while (store.hit('a', 4, MINUTE).allowed);
    const refused = store.hit('a', 4, MINUTE);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    time.advance(refused.retryAfterSeconds * 1000);
    expect(store.hit('a', 4, MINUTE).allowed).toBe(true);
  });

  it('a client that waits the Retry-After it was given is let in', () => {
    const time = clock(0);
    const store = new SlidingWindowStore(time.now);
    let refusals = 0;
    for (let step = 0; step < 2000; step++) {
      time.advance(50 + ((step * 7919) % 1500));
      const decision = store.hit('a', 7, MINUTE);
      if (decision.allowed) continue;
      refusals += 1;
      expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(decision.retryAfterSeconds).toBeLessThanOrEqual(120);
      time.advance(decision.retryAfterSeconds * 1000);
      expect(store.hit('a', 7, MINUTE).allowed).toBe(true);
    }
    expect(refusals).toBeGreaterThan(10);
  });

  it('drops buckets idle for a whole window', () => {
    const time = clock();
    const store = new SlidingWindowStore(time.now);
    for (let i = 0; i < 100; i++) store.hit(`client-${i}`, 10, MINUTE);
    expect(store.size).toBe(100);
    time.advance(MINUTE);
    store.hit('client-0', 10, MINUTE);
    expect(store.size).toBe(100); // the previous window still counts
    time.advance(2 * MINUTE);
    store.hit('other', 10, MINUTE);
    expect(store.size).toBe(1);
  });
});

describe('SlidingWindowStore: bounded', () => {
  it('holds at most maxBuckets; a new bucket pushes out the least recently used one', () => {
    const store = new SlidingWindowStore(clock().now, 3);
    for (const key of ['a', 'b', 'c']) store.hit(key, 1, MINUTE);
    expect(store.hit('a', 1, MINUTE).allowed).toBe(false); // a is now the most recently used
    store.hit('d', 1, MINUTE); // pushes out b
    expect(store.size).toBe(3);
    expect(store.hit('a', 1, MINUTE).allowed).toBe(false);
    expect(store.hit('c', 1, MINUTE).allowed).toBe(false);
    expect(store.hit('d', 1, MINUTE).allowed).toBe(false);
    expect(store.hit('b', 1, MINUTE).allowed).toBe(true); // b started afresh (and pushed out a)
    expect(store.size).toBe(3);
  });
});
