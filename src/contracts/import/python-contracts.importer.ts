import { Injectable } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { ContractRepository } from '../contract.repository.js';

export interface FileImportResult {
  file: string;
  /** Contracts in the file. */
  found: number;
  /** Contracts added (those already in the store are skipped). */
  imported: number;
  /** Why the file was skipped; nothing of it was imported. */
  error?: string;
}

class MalformedContractError extends Error {}

/**
 * Python datetimes were naive UTC with microseconds (`2025-10-30T21:10:14.888210`); ours are
 * ISO-8601 with milliseconds and `Z`.
 */
export function toIsoUtc(value: unknown, field: string, index: number): string {
  if (typeof value !== 'string') throw new MalformedContractError(`contract ${index}: ${field} is not a date string`);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const date = new Date(hasZone ? value : `${value.replace(/(\.\d{3})\d+$/, '$1')}Z`);
  if (Number.isNaN(date.getTime())) throw new MalformedContractError(`contract ${index}: ${field} ${JSON.stringify(value)} is not a date`);
  return date.toISOString();
}

function text(value: unknown, field: string, index: number, nullable = false): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (nullable && (value === null || value === undefined)) return null;
  throw new MalformedContractError(`contract ${index}: ${field} is missing or not a string`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, index: number): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new MalformedContractError(`contract ${index}: ${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
}

/** Maps one file's contracts; a RESPONSE is linked to the REQUEST before it in the file. */
export function mapPythonContracts(raw: unknown): Contract[] {
  if (!Array.isArray(raw)) throw new MalformedContractError('the file is not a JSON array of contracts');
  let lastRequestId: string | null = null;
  return raw.map((item: unknown, index): Contract => {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw new MalformedContractError(`contract ${index} is not an object`);
    const c = item as Record<string, unknown>;
    const sessionId = text(c.session_id, 'session_id', index)!;
    if (!isSessionId(sessionId))
      throw new MalformedContractError(`contract ${index}: session_id ${JSON.stringify(sessionId)} is not a valid session id`);
    const type = oneOf<ContractType>(c.contract_type, CONTRACT_TYPES, 'contract_type', index);
    const contractId = text(c.contract_id, 'contract_id', index)!;
    const metadata = c.metadata && typeof c.metadata === 'object' && !Array.isArray(c.metadata) ? (c.metadata as JsonObject) : {};
    const explicitParent = text(c.parent_contract_id, 'parent_contract_id', index, true);
    const contract: Contract = {
      contract_id: contractId,
      session_id: sessionId,
      contract_type: type,
      from_agent: text(c.from_agent, 'from_agent', index)!,
      to_agent: text(c.to_agent, 'to_agent', index)!,
      capability: text(c.capability, 'capability', index, true),
      payload: (c.payload ?? {}) as JsonValue,
      status: oneOf<ContractStatus>(c.status, CONTRACT_STATUSES, 'status', index),
      created_at: toIsoUtc(c.created_at, 'created_at', index),
      completed_at: c.completed_at == null ? null : toIsoUtc(c.completed_at, 'completed_at', index),
      result: (c.result ?? null) as JsonValue | null,
      error: c.error == null ? null : typeof c.error === 'string' ? c.error : JSON.stringify(c.error),
      metadata,
      parent_contract_id: explicitParent ?? (type === 'RESPONSE' ? lastRequestId : null),
    };
    if (type === 'REQUEST') lastRequestId = contractId;
    return contract;
  });
}

/**
 * Imports the Python service's `data/contracts/<session>.json` files. Idempotent: contracts whose id
 * is already stored are skipped. A malformed file is reported and skipped; the others are imported.
 */
@Injectable()
export class PythonContractsImporter {
  constructor(private readonly contracts: ContractRepository) {}

  async importDirectory(dir: string): Promise<FileImportResult[]> {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
    const results: FileImportResult[] = [];
    for (const file of files) results.push(await this.importFile(join(dir, file), file));
    return results;
  }

  async importFile(path: string, file = path): Promise<FileImportResult> {
    let contracts: Contract[];
    try {
      contracts = mapPythonContracts(JSON.parse(await readFile(path, 'utf8')));
    } catch (error) {
      const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message;
      return { file, found: 0, imported: 0, error: reason };
    }
    const imported = await this.contracts.importContracts(contracts);
    return { file, found: contracts.length, imported };
  }
}
