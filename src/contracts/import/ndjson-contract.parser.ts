import { isPlainObject } from '../../common/validation/plain-object.js';
import { isSessionId } from '../../common/validation/session-id.js';
import {
  CONTRACT_STATUSES,
  CONTRACT_TYPES,
  type Contract,
  type ContractStatus,
  type ContractType,
  type JsonObject,
  type JsonValue,
} from '../contract.model.js';

/** Longest contract, agent, capability or parent id accepted from a file. */
const MAX_NAME_LENGTH = 256;

/** Why one NDJSON line is not a contract; the message starts with the field at fault. */
export class InvalidContractLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContractLineError';
  }
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

function name(c: Record<string, unknown>, field: string): string {
  const value = c[field];
  if (typeof value !== 'string' || value.length === 0) throw new InvalidContractLineError(`${field} is missing or not a non-empty string`);
  if (value.length > MAX_NAME_LENGTH) throw new InvalidContractLineError(`${field} is longer than ${MAX_NAME_LENGTH} characters`);
  return value;
}

function nullableName(c: Record<string, unknown>, field: string): string | null {
  return c[field] === null || c[field] === undefined ? null : name(c, field);
}

function oneOf<T extends string>(c: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = c[field];
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidContractLineError(`${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

/** An ISO-8601 time with a zone (`Z` or an offset), normalised to UTC with milliseconds and `Z`. */
function time(c: Record<string, unknown>, field: string): string {
  const value = c[field];
  const date = typeof value === 'string' && ISO_WITH_ZONE.test(value) ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidContractLineError(
      `${field} ${JSON.stringify(value)} is not an ISO-8601 time with a zone (e.g. 2026-01-31T12:00:00.000Z)`,
    );
  }
  return date.toISOString();
}

/**
 * Validates one parsed NDJSON value as a contract in the shape of `GET /v1/contracts/:id` (what
 * `contracts:export` writes). Nullable fields may be absent; `metadata` defaults to `{}`; other
 * fields are ignored. Throws InvalidContractLineError naming the first field at fault.
 */
export function toContract(value: unknown): Contract {
  if (!isPlainObject(value)) throw new InvalidContractLineError('the line is not a JSON object');
  const c = value;
  const sessionId = name(c, 'session_id');
  if (!isSessionId(sessionId)) throw new InvalidContractLineError(`session_id ${JSON.stringify(sessionId)} is not a valid session id`);
  if (!('payload' in c)) throw new InvalidContractLineError('payload is missing');
  if (c.metadata !== undefined && c.metadata !== null && !isPlainObject(c.metadata))
    throw new InvalidContractLineError('metadata is not an object');
  if (c.error !== undefined && c.error !== null && typeof c.error !== 'string') throw new InvalidContractLineError('error is not a string');
  return {
    contract_id: name(c, 'contract_id'),
    session_id: sessionId,
    contract_type: oneOf<ContractType>(c, 'contract_type', CONTRACT_TYPES),
    from_agent: name(c, 'from_agent'),
    to_agent: name(c, 'to_agent'),
    capability: nullableName(c, 'capability'),
    payload: c.payload as JsonValue,
    status: oneOf<ContractStatus>(c, 'status', CONTRACT_STATUSES),
    created_at: time(c, 'created_at'),
    completed_at: c.completed_at === null || c.completed_at === undefined ? null : time(c, 'completed_at'),
    result: (c.result ?? null) as JsonValue | null,
    error: (c.error ?? null) as string | null,
    metadata: (c.metadata ?? {}) as JsonObject,
    parent_contract_id: nullableName(c, 'parent_contract_id'),
  };
}

/** One NDJSON line → a contract. Throws InvalidContractLineError (bad JSON or a bad field). */
export function parseContractLine(text: string): Contract {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidContractLineError(`not valid JSON (${(error as Error).message})`);
  }
  return toContract(value);
}
