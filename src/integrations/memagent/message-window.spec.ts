import { compressRequestOverhead, CUT_CONTENT_MARK, DEFAULT_INTENT, MessageWindow, type MemAgentMessage } from './memagent.client.js';

const message = (i: number, content = `message ${i}`): MemAgentMessage => ({
  role: i % 2 ? 'assistant' : 'user',
  content,
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  metadata: { contract_id: `c${i}` },
});

const bodyBytes = (sessionId: string, messages: MemAgentMessage[]) =>
  Buffer.byteLength(JSON.stringify({ intent: DEFAULT_INTENT, session_id: sessionId, messages }));

describe('MessageWindow (MemAgent request within RESPONSE_MAX_BYTES)', () => {
  it('keeps the most recent messages that fit, in order, and the request body stays within the budget', () => {
    const budget = 2_000;
    const window = new MessageWindow(budget - compressRequestOverhead('s', undefined));
    for (let i = 0; i < 500; i++) window.push(message(i, `text ${i} `.repeat(5)));
    const kept = window.messages();
    expect(kept.length).toBeGreaterThan(3);
    expect(kept.length).toBeLessThan(500);
    expect(kept.map((m) => m.metadata.contract_id)).toEqual(Array.from({ length: kept.length }, (_, k) => `c${500 - kept.length + k}`));
    expect(bodyBytes('s', kept)).toBeLessThanOrEqual(budget);
    expect(window.seen).toBe(500);
    expect(window.dropped).toBe(500 - kept.length);
  });

  it('keeps everything when it fits', () => {
    const window = new MessageWindow(100_000);
    const all = Array.from({ length: 10 }, (_, i) => message(i));
    for (const m of all) window.push(m);
    expect(window.messages()).toEqual(all);
    expect(window.dropped).toBe(0);
  });

  it('cuts the content of a message larger than the budget by itself (multi-byte text too), marking the cut', () => {
    const budget = 1_000;
    const window = new MessageWindow(budget);
    window.push(message(1, 'é'.repeat(5_000)));
    const [kept] = window.messages();
    expect(kept!.content.endsWith(CUT_CONTENT_MARK)).toBe(true);
    expect(kept!.content.startsWith('ééé')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(budget);
  });

  it('leaves out a message that cannot fit even without content', () => {
    const window = new MessageWindow(20);
    window.push(message(1));
    expect(window.messages()).toEqual([]);
    expect(window.dropped).toBe(1);
  });
});
