import { isAxiosError } from 'axios';
import { isPlainObject } from '../../common/validation/plain-object.js';

/** Why an HTTP call produced no response. */
export type TransportFailure = { kind: 'timeout' } | { kind: 'unreachable'; reason: string };

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * Classifies an error thrown by axios (no response at all: refused, reset, DNS, timeout…). `deadline`
 * is the `AbortSignal.timeout()` passed as the request's `signal`, if any: its firing is a timeout.
 */
export function classifyTransportError(error: unknown, deadline?: AbortSignal): TransportFailure {
  if (deadline?.aborted) return { kind: 'timeout' };
  if (isAxiosError(error)) {
    if (error.code !== undefined && TIMEOUT_CODES.has(error.code)) return { kind: 'timeout' };
    const cause = error.cause as (Error & { code?: string; name?: string }) | undefined;
    if (error.code === 'ERR_CANCELED' && (cause?.name === 'TimeoutError' || /timeout/i.test(error.message))) {
      return { kind: 'timeout' };
    }
    const code = error.code ?? cause?.code;
    const message = error.message || cause?.message || 'request failed';
    return { kind: 'unreachable', reason: code && !message.includes(code) ? `${code} ${message}` : message };
  }
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return { kind: 'timeout' };
    return { kind: 'unreachable', reason: error.message || error.name };
  }
  return { kind: 'unreachable', reason: String(error) };
}

const DETAIL_MAX_CHARS = 500;

/** A readable detail of an upstream error body: its JSON `detail` or `message`, else the first 500 chars. */
export function upstreamDetail(body: unknown): string {
  const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
  let detail: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) {
      detail = parsed.detail ?? parsed.message ?? parsed.error;
    }
  } catch {
    detail = undefined;
  }
  const chosen = detail === undefined || detail === null ? text : typeof detail === 'string' ? detail : JSON.stringify(detail);
  return chosen.trim().slice(0, DETAIL_MAX_CHARS);
}
