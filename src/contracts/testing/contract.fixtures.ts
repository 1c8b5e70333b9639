import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { ORCHESTRATOR_AGENT_ID, type Contract } from '../contract.model.js';

/** Helpers for the ContractsModule specs (not part of the application). */

export function makeTempDir(prefix = 'contracts-spec-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

let clock = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A strictly increasing ISO time per call, so that created_at orders like insertion. */
export function nextTime(stepMs = 1000): string {
  clock += stepMs;
  return new Date(clock).toISOString();
}

export function makeRequest(overrides: Partial<Contract> = {}): Contract {
  return {
    contract_id: ulid(),
    session_id: 'session_a',
    contract_type: 'REQUEST',
    from_agent: ORCHESTRATOR_AGENT_ID,
    to_agent: 'agent_example_001',
    capability: 'echo',
    payload: { text: 'hello' },
    status: 'in_progress',
    created_at: nextTime(),
    completed_at: null,
    result: null,
    error: null,
    metadata: { intent: 'test' },
    parent_contract_id: null,
    ...overrides,
  };
}

export function makeResponse(request: Contract, overrides: Partial<Contract> = {}): Contract {
  const at = nextTime(1);
  return {
    contract_id: ulid(),
    session_id: request.session_id,
    contract_type: 'RESPONSE',
    from_agent: request.to_agent,
    to_agent: ORCHESTRATOR_AGENT_ID,
    capability: request.capability,
    payload: { success: true, data: { message: 'Echo: hello' }, error: null },
    status: 'completed',
    created_at: at,
    completed_at: at,
    result: { message: 'Echo: hello' },
    error: null,
    metadata: {},
    parent_contract_id: request.contract_id,
    ...overrides,
  };
}
