import { Injectable } from '@nestjs/common';
import { ORCHESTRATOR_AGENT_ID, type Contract } from '../../contracts/contract.model.js';
import { contractJsonSize } from '../../contracts/contract-size.js';
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

/** Keeps the `max` latest items (by time) of those added, oldest first, in bounded memory. */
class LatestByTime {
  readonly items: Contract[] = [];
  constructor(private readonly max: number) {}

  add(contract: Contract): void {
    const items = this.items;
    if (items.length === this.max && byTime(contract, items[0]!) <= 0) return;
    // Contracts mostly come in time order: search from the end.
    let i = items.length;
    while (i > 0 && byTime(items[i - 1]!, contract) > 0) i -= 1;
    items.splice(i, 0, contract);
    if (items.length > this.max) items.shift();
  }
}

/**
 * A memory block built contract by contract, in memory bounded by the block (not by the session):
 * `POST /v1/compress` feeds it a session page by page. The result does not depend on the order in
 * which contracts are added.
 */
export class LocalCompression {
  private contracts = 0;
  private requests = 0;
  private completed = 0;
  private failed = 0;
  private charsIn = 0;
  private first: string | null = null;
  private last: string | null = null;
  private readonly capabilityCounts = new Map<string, number>();
  private readonly agents = new Set<string>();
  private readonly failedCapabilities = new Set<string>();
  private readonly failures = new LatestByTime(MAX_FAILURES);
  private readonly recent = new LatestByTime(RECENT_RESULTS);

  constructor(
    private readonly sessionId: string,
    private readonly intent: string | null | undefined,
  ) {}

  /** Contracts added so far. */
  get count(): number {
    return this.contracts;
  }

  add(c: Contract): void {
    this.contracts += 1;
    this.charsIn += contractJsonSize(c);
    for (const agent of [c.from_agent, c.to_agent]) if (agent && agent !== ORCHESTRATOR_AGENT_ID) this.agents.add(agent);
    for (const t of [c.created_at, c.completed_at]) {
      if (!t) continue;
      if (this.first === null || t < this.first) this.first = t;
      if (this.last === null || t > this.last) this.last = t;
    }
    if (c.contract_type !== 'REQUEST') return;
    this.requests += 1;
    const name = c.capability ?? 'unknown';
    this.capabilityCounts.set(name, (this.capabilityCounts.get(name) ?? 0) + 1);
    if (c.status === 'failed') {
      this.failed += 1;
      this.failedCapabilities.add(name);
      this.failures.add(c);
    } else if (c.status === 'completed') {
      this.completed += 1;
      this.recent.add(c);
    }
  }

  finish(now: Date = new Date()): LocalMemoryBlock {
    const sessionId = this.sessionId;
    const capabilities: Record<string, number> = {};
    for (const name of [...this.capabilityCounts.keys()].sort()) capabilities[name] = this.capabilityCounts.get(name) ?? 0;
    const agents = [...this.agents].sort();
    const other = this.requests - this.failed - this.completed;

    const failures: LocalFailure[] = this.failures.items.map((r) => ({
      capability: r.capability ?? 'unknown',
      error: truncate(r.error ?? 'unknown error', ERROR_MAX_CHARS),
      contract_id: r.contract_id,
    }));
    const recent_results: LocalRecentResult[] = this.recent.items.map((r) => ({
      capability: r.capability ?? 'unknown',
      result: truncate(JSON.stringify(r.result ?? null), RESULT_MAX_CHARS),
      contract_id: r.contract_id,
    }));

    const parts: string[] = [];
    const capabilityText = Object.entries(capabilities)
      .map(([name, n]) => `${name} ×${n}`)
      .join(', ');
    parts.push(
      `Session '${sessionId}' holds ${plural(this.contracts, 'contract')} for ${plural(this.requests, 'task')}` +
        (capabilityText ? ` using ${plural(this.capabilityCounts.size, 'capability', 'capabilities')} (${capabilityText})` : '') +
        (agents.length > 0 ? `, handled by ${plural(agents.length, 'agent')} (${agents.join(', ')})` : '') +
        '.',
    );
    parts.push(`${this.completed} succeeded, ${this.failed} failed` + (other > 0 ? `, ${other} did not finish` : '') + '.');
    if (this.failed > 0) parts.push(`Failures in: ${[...this.failedCapabilities].sort().join(', ')}.`);
    if (this.first !== null && this.last !== null) {
      parts.push(`Activity from ${this.first} to ${this.last} (${formatDuration(Date.parse(this.last) - Date.parse(this.first))}).`);
    }
    const summary = parts.join(' ');

    const tokensIn = Math.ceil(this.charsIn / 4);
    const body = {
      session_id: sessionId,
      intent: this.intent ?? DEFAULT_INTENT,
      summary,
      capabilities,
      agents,
      failures,
      recent_results,
      events_processed: this.contracts,
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

/**
 * Builds a memory block from a session's contracts without any external service. Deterministic for
 * the same contracts (in any order), except `compressed_at`, which is `now`. The block is bounded
 * (20 failures, 5 results, truncated texts) whatever the session's size.
 */
@Injectable()
export class LocalCompressor {
  /** A block to feed contract by contract (a session read page by page). */
  start(sessionId: string, intent: string | null | undefined): LocalCompression {
    return new LocalCompression(sessionId, intent);
  }

  compress(sessionId: string, intent: string | null | undefined, contracts: readonly Contract[], now: Date = new Date()): LocalMemoryBlock {
    const block = this.start(sessionId, intent);
    for (const contract of contracts) block.add(contract);
    return block.finish(now);
  }
}
