import { InvalidCursorError } from '../errors/invalid-cursor.error.js';

/**
 * Opaque keyset cursors. A cursor is base64url text of a small tagged payload; decoding accepts only
 * the exact text that encoding produces (same tag, canonical base64url, well-formed values), so a
 * cursor of another list, a truncated or an edited cursor is an InvalidCursorError.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTRACT_TAG = 'c1:';
const SESSION_TAG = 's1:';
const SEQ = /^(?:0|[1-9][0-9]{0,15})$/;
const MAX_SESSION_KEY_LENGTH = 256;

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decode(cursor: string, tag: string): string {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 1024 || !BASE64URL.test(cursor)) {
    throw new InvalidCursorError();
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's decoder is lenient; insist on the canonical form (and valid UTF-8).
  if (encode(text) !== cursor || !text.startsWith(tag)) throw new InvalidCursorError();
  return text.slice(tag.length);
}

/** Cursor of a contract list: the `seq` of the last contract of the page. */
export function encodeContractCursor(seq: number): string {
  return encode(`${CONTRACT_TAG}${seq}`);
}

export function decodeContractCursor(cursor: string): number {
  const body = decode(cursor, CONTRACT_TAG);
  if (!SEQ.test(body)) throw new InvalidCursorError();
  const seq = Number(body);
  if (!Number.isSafeInteger(seq)) throw new InvalidCursorError();
  return seq;
}

/** Cursor of the session list: `(updated_at, session_id)` of the last session of the page. */
export interface SessionCursor {
  updated_at: string;
  session_id: string;
}

export function encodeSessionCursor(key: SessionCursor): string {
  return encode(`${SESSION_TAG}${JSON.stringify([key.updated_at, key.session_id])}`);
}

export function decodeSessionCursor(cursor: string): SessionCursor {
  const body = decode(cursor, SESSION_TAG);
  let key: unknown;
  try {
    key = JSON.parse(body);
  } catch {
    throw new InvalidCursorError();
  }
  if (
    !Array.isArray(key) ||
    key.length !== 2 ||
    typeof key[0] !== 'string' ||
    typeof key[1] !== 'string' ||
    key[0].length > MAX_SESSION_KEY_LENGTH ||
    key[1].length > MAX_SESSION_KEY_LENGTH
  ) {
    throw new InvalidCursorError();
  }
  return { updated_at: key[0], session_id: key[1] };
}
