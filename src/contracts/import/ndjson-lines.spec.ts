import { readNdjsonLines, type NdjsonLine } from './ndjson-lines.js';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
}

async function lines(source: AsyncIterable<Buffer>, max?: number): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const line of readNdjsonLines(source, max)) out.push(line);
  return out;
}

describe('readNdjsonLines', () => {
  it('numbers lines from 1 and joins lines split across chunks', async () => {
    expect(await lines(chunks('{"a":1}\n{"b"', ':2}\n', '\n{"c":3}\n'))).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '' },
      { line: 4, text: '{"c":3}' },
    ]);
  });

  it('yields a last line without a final newline, and no empty line after a final newline', async () => {
    expect(await lines(chunks('x\ny'))).toEqual([
      { line: 1, text: 'x' },
      { line: 2, text: 'y' },
    ]);
    expect(await lines(chunks('x\n'))).toEqual([{ line: 1, text: 'x' }]);
    expect(await lines(chunks())).toEqual([]);
  });

  it('decodes a multi-byte character split between chunks, and drops \\r of CRLF and a BOM on line 1', async () => {
    const e = Buffer.from('é', 'utf8');
    expect(await lines(chunks(Buffer.from([0xef, 0xbb, 0xbf]), 'caf', e.subarray(0, 1), e.subarray(1), '\r\nnext\r\n'))).toEqual([
      { line: 1, text: 'café' },
      { line: 2, text: 'next' },
    ]);
  });

  it('reports a line that is too long or not UTF-8, and goes on with the next line', async () => {
    const long = 'x'.repeat(50);
    expect(
      await lines(chunks(`ok\n${long.slice(0, 20)}`, `${long.slice(20)}\nafter\n`, Buffer.from([0xff, 0xfe, 0x0a]), 'end'), 16),
    ).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, error: 'longer than 16 bytes' },
      { line: 3, text: 'after' },
      { line: 4, error: 'not valid UTF-8' },
      { line: 5, text: 'end' },
    ]);
  });

  it('reports a too-long last line without a newline', async () => {
    expect(await lines(chunks('a\n', 'b'.repeat(40)), 16)).toEqual([
      { line: 1, text: 'a' },
      { line: 2, error: 'longer than 16 bytes' },
    ]);
  });
});
