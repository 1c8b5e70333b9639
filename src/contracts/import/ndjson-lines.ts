/** Splitting a byte stream into NDJSON lines with bounded memory. */

/** Longest line accepted, in bytes; a longer one is reported and skipped without being held in memory. */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

export type NdjsonLine =
  /** A complete line (without its `\n`, `\r\n` or a leading byte order mark on line 1). */
  | { line: number; text: string }
  /** A line that could not be read: too long, or not UTF-8. */
  | { line: number; error: string };

const NEWLINE = 0x0a;

/**
 * The lines of `source`, numbered from 1, as they arrive. Only the current line is buffered (up to
 * `maxLineBytes`); the consumer's pace is the reading pace (`for await` pulls one chunk at a time).
 * A last line without a final newline is yielded too; a final newline does not make an empty line.
 */
export async function* readNdjsonLines(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<NdjsonLine> {
  // ignoreBOM: a BOM stays in the text (it is removed from line 1 only).
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Uint8Array[] = [];
  let size = 0;
  let tooLong = false;
  let line = 1;

  const finish = (): NdjsonLine => {
    const number = line++;
    if (tooLong) {
      tooLong = false;
      return { line: number, error: `longer than ${maxLineBytes} bytes` };
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { line: number, error: 'not valid UTF-8' };
    }
    if (number === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    return { line: number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };

  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline === -1 ? bytes.length : newline;
      if (!tooLong && end > start) {
        if (size + (end - start) > maxLineBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else {
          // A view, not a copy: at most the chunks the line spans stay alive until it is complete.
          parts.push(bytes.subarray(start, end));
          size += end - start;
        }
      }
      if (newline === -1) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (size > 0 || tooLong) yield finish();
}
