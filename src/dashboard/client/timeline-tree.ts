import type { Attempt, Contract } from './types.js';

/** A REQUEST of a session's timeline, with its RESPONSE and the sub-tasks it delegated. */
export interface TimelineNode {
  request: Contract;
  response: Contract | undefined;
  subtasks: TimelineNode[];
}

/**
 * Nests a session's contracts (oldest first): a RESPONSE under the REQUEST it answers, a sub-task's
 * REQUEST under the REQUEST that delegated it. A contract whose parent is not among them (another
 * page, or an imported history) stays at the top level.
 */
export function buildTimeline(contracts: readonly Contract[]): TimelineNode[] {
  const nodes = new Map<string, TimelineNode>();
  const roots: TimelineNode[] = [];
  for (const contract of contracts) {
    if (contract.contract_type === 'REQUEST') nodes.set(contract.contract_id, { request: contract, response: undefined, subtasks: [] });
  }
  for (const contract of contracts) {
    const parent = contract.parent_contract_id === null ? undefined : nodes.get(contract.parent_contract_id);
    if (contract.contract_type === 'RESPONSE') {
      if (parent !== undefined && parent.response === undefined) parent.response = contract;
      else roots.push({ request: contract, response: undefined, subtasks: [] });
      continue;
    }
    const node = nodes.get(contract.contract_id)!;
    if (parent !== undefined) parent.subtasks.push(node);
    else roots.push(node);
  }
  return roots;
}

/** The attempts the orchestrator recorded in a closed REQUEST's metadata. */
export function attemptsOf(request: Contract): Attempt[] {
  const attempts = request.metadata?.['attempts'];
  return Array.isArray(attempts) ? (attempts as Attempt[]) : [];
}
