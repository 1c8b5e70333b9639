import { InvalidCursorError } from '../errors/invalid-cursor.error.js';

/**
 * Opaque keyset cursors. A cursor is base64url text of a small tagged payload; decoding accepts only
 * the exact text that encoding produces (same tag, canonical base64url, well-formed values), so a
 * cursor of another list, a truncated or an edited cursor is an InvalidCursorError.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTRACT_TAG = 'c1:';
/** A contract list read newest first: its cursors are not valid in the oldest-first order, nor the reverse. */
const NEWEST_FIRST_CONTRACT_TAG = 'r1:';
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

/**
 * Cursor of a contract list: the `seq` of the last contract of the page, and the list's total when the
 * store keeps no counter for the filter (counted on the first page, then carried: `c1:<seq>.<total>`).
 * Cursors without a total (`c1:<seq>`) are still accepted; the total is then counted again.
 */
export interface ContractCursor {
  seq: number;
  total?: number;
}

export function encodeContractCursor(seq: number, total?: number, newestFirst = false): string {
  return encode(`${newestFirst ? NEWEST_FIRST_CONTRACT_TAG : CONTRACT_TAG}${seq}${total === undefined ? '' : `.${total}`}`);
}

export function decodeContractCursor(cursor: string, newestFirst = false): ContractCursor {
  const body = decode(cursor, newestFirst ? NEWEST_FIRST_CONTRACT_TAG : CONTRACT_TAG);
  const [seqText, totalText, ...rest] = body.split('.');
  if (rest.length > 0 || !SEQ.test(seqText!) || (totalText !== undefined && !SEQ.test(totalText))) throw new InvalidCursorError();
  const seq = Number(seqText);
  const total = totalText === undefined ? undefined : Number(totalText);
  if (!Number.isSafeInteger(seq) || (total !== undefined && !Number.isSafeInteger(total))) throw new InvalidCursorError();
  return total === undefined ? { seq } : { seq, total };
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
