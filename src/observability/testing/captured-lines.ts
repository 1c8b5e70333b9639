import { Writable } from 'node:stream';

/** A pino destination that keeps what is written, for specs: `lines()` parses each line as JSON. */
export class CapturedLines extends Writable {
  private text = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }

  raw(): string {
    return this.text;
  }

  lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
