import { Injectable } from '@nestjs/common';
import { ORCHESTRATOR_AGENT_ID, type Contract } from '../../contracts/contract.model.js';
import { DEFAULT_INTENT } from '../memagent/memagent.client.js';

export const RECENT_RESULTS = 5;
export const MAX_FAILURES = 20;
export const RESULT_MAX_CHARS = 200;
export const ERROR_MAX_CHARS = 500;

export interface LocalFailure {
  capability: string;
  error: string;
  contract_id: string;
}

export interface LocalRecentResult {
  capability: string;
  /** The result as JSON text, at most 200 characters. */
  result: string;
  contract_id: string;
}

/** The memory block of the local compressor (SPEC §6). A type alias, so that it is a JSON object. */
export type LocalMemoryBlock = {
  session_id: string;
  intent: string;
  summary: string;
  /** Capability name → number of REQUESTs. */
  capabilities: Record<string, number>;
  /** Agents involved (sorted), without the orchestrator. */
  agents: string[];
  /** Failed REQUESTs, the most recent 20, oldest first. */
  failures: LocalFailure[];
  /** The last 5 completed REQUESTs, oldest first. */
  recent_results: LocalRecentResult[];
  events_processed: number;
  tokens_in: number;
  tokens_out: number;
  compression_ratio: number;
  compressed_at: string;
  source: 'local';
};

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `1h 2m 3s`, `4m 0s`, `12s`, `350 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const total = Math.round(ms / 1_000);
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function byTime(a: Contract, b: Contract): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.contract_id < b.contract_id ? -1 : a.contract_id > b.contract_id ? 1 : 0;
}

/**
 * Builds a memory block from a session's contracts without any external service. Deterministic for
 * the same contracts (in any order), except `compressed_at`, which is `now`.
 */
@Injectable()
export class LocalCompressor {
  compress(sessionId: string, intent: string | null | undefined, contracts: readonly Contract[], now: Date = new Date()): LocalMemoryBlock {
    const sorted = [...contracts].sort(byTime);
    const requests = sorted.filter((c) => c.contract_type === 'REQUEST');

    const capabilityCounts = new Map<string, number>();
    for (const request of requests) {
      const name = request.capability ?? 'unknown';
      capabilityCounts.set(name, (capabilityCounts.get(name) ?? 0) + 1);
    }
    const capabilities: Record<string, number> = {};
    for (const name of [...capabilityCounts.keys()].sort()) capabilities[name] = capabilityCounts.get(name) ?? 0;

    const agentSet = new Set<string>();
    for (const c of sorted) {
      for (const agent of [c.from_agent, c.to_agent]) if (agent && agent !== ORCHESTRATOR_AGENT_ID) agentSet.add(agent);
    }
    const agents = [...agentSet].sort();

    const failed = requests.filter((r) => r.status === 'failed');
    const completed = requests.filter((r) => r.status === 'completed');
    const other = requests.length - failed.length - completed.length;

    const failures: LocalFailure[] = failed.slice(-MAX_FAILURES).map((r) => ({
      capability: r.capability ?? 'unknown',
      error: truncate(r.error ?? 'unknown error', ERROR_MAX_CHARS),
      contract_id: r.contract_id,
    }));
    const recent_results: LocalRecentResult[] = completed.slice(-RECENT_RESULTS).map((r) => ({
      capability: r.capability ?? 'unknown',
      result: truncate(JSON.stringify(r.result ?? null), RESULT_MAX_CHARS),
      contract_id: r.contract_id,
    }));

    let first: string | null = null;
    let last: string | null = null;
    for (const c of sorted) {
      for (const t of [c.created_at, c.completed_at]) {
        if (!t) continue;
        if (first === null || t < first) first = t;
        if (last === null || t > last) last = t;
      }
    }

    const parts: string[] = [];
    const capabilityText = Object.entries(capabilities)
      .map(([name, n]) => `${name} ×${n}`)
      .join(', ');
    parts.push(
      `Session '${sessionId}' holds ${plural(sorted.length, 'contract')} for ${plural(requests.length, 'task')}` +
        (capabilityText ? ` using ${plural(capabilityCounts.size, 'capability', 'capabilities')} (${capabilityText})` : '') +
        (agents.length > 0 ? `, handled by ${plural(agents.length, 'agent')} (${agents.join(', ')})` : '') +
        '.',
    );
    parts.push(
      `${completed.length} succeeded, ${failed.length} failed` + (other > 0 ? `, ${other} did not finish` : '') + '.',
    );
    if (failed.length > 0) {
      const failedCaps = [...new Set(failed.map((r) => r.capability ?? 'unknown'))].sort();
      parts.push(`Failures in: ${failedCaps.join(', ')}.`);
    }
    if (first !== null && last !== null) {
      parts.push(`Activity from ${first} to ${last} (${formatDuration(Date.parse(last) - Date.parse(first))}).`);
    }
    const summary = parts.join(' ');

    const tokensIn = Math.ceil(sorted.reduce((sum, c) => sum + JSON.stringify(c).length, 0) / 4);
    const body = {
      session_id: sessionId,
      intent: intent ?? DEFAULT_INTENT,
      summary,
      capabilities,
      agents,
      failures,
      recent_results,
      events_processed: sorted.length,
    };
    const compressedAt = now.toISOString();
    const tokensOut = Math.max(1, Math.ceil(JSON.stringify({ ...body, compressed_at: compressedAt, source: 'local' }).length / 4));
    return {
      ...body,
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      compression_ratio: Math.round((tokensIn / tokensOut) * 100) / 100,
      compressed_at: compressedAt,
      source: 'local',
    };
  }
}
