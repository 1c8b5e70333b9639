import { CONTRACT_FIELDS, type Contract } from './contract.model.js';
import type { ContractRow } from './persistence/contracts.tables.js';

/**
 * The size of a contract as the API serialises it (compact JSON, UTF-8 bytes), for the response
 * budget (RESPONSE_MAX_BYTES). Contracts read from the store carry the size measured on their stored
 * JSON text, so a page is measured without serialising each contract a second time.
 */

/** `{"contract_id":,"session_id":,…}`: braces, quoted keys, colons and commas. */
const FIXED = JSON.stringify(Object.fromEntries(CONTRACT_FIELDS.map((key) => [key, 0]))).length - CONTRACT_FIELDS.length;

const sizes = new WeakMap<Contract, number>();

function quoted(value: string | null): number {
  return value === null ? 4 : Buffer.byteLength(JSON.stringify(value));
}

/** Size of a stored row as contract JSON: the JSON columns are counted as stored, the strings as quoted. */
export function rowJsonSize(row: ContractRow): number {
  return (
    FIXED +
    quoted(row.contract_id) +
    quoted(row.session_id) +
    quoted(row.contract_type) +
    quoted(row.from_agent) +
    quoted(row.to_agent) +
    quoted(row.capability) +
    Buffer.byteLength(row.payload) +
    quoted(row.status) +
    quoted(row.created_at) +
    quoted(row.completed_at) +
    (row.result === null ? 4 : Buffer.byteLength(row.result)) +
    quoted(row.error) +
    Buffer.byteLength(row.metadata) +
    quoted(row.parent_contract_id)
  );
}

/** Records the size of a contract read from `row`. */
export function recordJsonSize(contract: Contract, size: number): Contract {
  sizes.set(contract, size);
  return contract;
}

/** The JSON size of a contract: as recorded when it was read, else measured. */
export function contractJsonSize(contract: Contract): number {
  return sizes.get(contract) ?? Buffer.byteLength(JSON.stringify(contract));
}
