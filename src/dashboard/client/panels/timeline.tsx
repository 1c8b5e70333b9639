import { useState } from 'preact/hooks';
import { useApi, usePolling } from '../hooks.js';
import { duration, json, shortId, time } from '../format.js';
import { attemptsOf, buildTimeline, type TimelineNode } from '../timeline-tree.js';
import type { Contract, Session } from '../types.js';
import { PanelError, StatusBadge } from './panel.js';

const POLL_MS = 2000;
/** Contracts read for one timeline (the API's largest page). */
const TIMELINE_LIMIT = 1000;

interface SessionDetail extends Session {
  conversation: Contract[];
  next_cursor: string | null;
}

/** A session's contracts in order, sub-tasks nested under the task that delegated them; "Compress" shows the memory block. */
export function Timeline({ sessionId, version }: { sessionId: string; version: number }) {
  const api = useApi();
  const { data, error } = usePolling(
    () => api.get<SessionDetail>(`/v1/sessions/${encodeURIComponent(sessionId)}`, { limit: TIMELINE_LIMIT }),
    POLL_MS,
    [sessionId, version],
  );
  const [memory, setMemory] = useState<{ session: string; block?: unknown; error?: string } | undefined>(undefined);

  const compress = async () => {
    setMemory({ session: sessionId });
    try {
      const answer = await api.post<{ memory_block: unknown }>('/v1/compress', { session_id: sessionId });
      setMemory({ session: sessionId, block: answer.memory_block });
    } catch (reason) {
      setMemory({ session: sessionId, error: reason instanceof Error ? reason.message : String(reason) });
    }
  };
  const shownMemory = memory?.session === sessionId ? memory : undefined;

  return (
    <div class="timeline" aria-label={`Timeline of session ${sessionId}`} role="region">
      <div class="toolbar">
        <h3>Timeline of {sessionId}</h3>
        <button type="button" onClick={() => void compress()}>
          Compress
        </button>
      </div>
      <PanelError error={error} />
      {shownMemory && (
        <div class="memory">
          {shownMemory.block === undefined && shownMemory.error === undefined && <p>Compressing…</p>}
          {shownMemory.error && (
            <p class="error" role="alert">
              Could not compress: {shownMemory.error}
            </p>
          )}
          {shownMemory.block !== undefined && (
            <>
              <h4 id="memory-block-heading">Memory block</h4>
              <pre aria-labelledby="memory-block-heading">
                {typeof shownMemory.block === 'string' ? shownMemory.block : json(shownMemory.block)}
              </pre>
            </>
          )}
        </div>
      )}
      {data && (
        <>
          <ol class="tree">
            {buildTimeline(data.conversation).map((node) => (
              <TimelineItem key={node.request.contract_id} node={node} />
            ))}
          </ol>
          {data.next_cursor !== null && <p class="muted">Only the first {TIMELINE_LIMIT} contracts are shown.</p>}
        </>
      )}
    </div>
  );
}

function TimelineItem({ node }: { node: TimelineNode }) {
  const { request, response, subtasks } = node;
  const attempts = attemptsOf(request);
  return (
    <li class="contract-group">
      <ContractLine contract={request} />
      {attempts.length > 0 && (
        <p class="attempts">
          {attempts.length === 1 ? '1 attempt' : `${attempts.length} attempts`}:{' '}
          {attempts.map((attempt, i) => (
            <span key={i} class="attempt">
              {attempt.agent_id} ({attempt.duration_ms} ms{attempt.error ? `, ${attempt.error}` : ''})
            </span>
          ))}
        </p>
      )}
      {subtasks.length > 0 && (
        <ol class="tree" aria-label={`Sub-tasks of ${shortId(request.contract_id)}`}>
          {subtasks.map((child) => (
            <TimelineItem key={child.request.contract_id} node={child} />
          ))}
        </ol>
      )}
      {response && <ContractLine contract={response} />}
    </li>
  );
}

function ContractLine({ contract }: { contract: Contract }) {
  const isRequest = contract.contract_type === 'REQUEST';
  return (
    <div class="contract" data-contract-type={contract.contract_type}>
      <span class={`type type-${contract.contract_type.toLowerCase()}`}>{contract.contract_type}</span>{' '}
      <strong>{contract.capability ?? '—'}</strong> {contract.from_agent} → {contract.to_agent} <StatusBadge status={contract.status} />{' '}
      <span class="muted">
        {time(contract.created_at)}
        {isRequest && contract.completed_at !== null && ` · ${duration(contract.created_at, contract.completed_at)}`}
      </span>
      <Expandable label="Payload" value={contract.payload} id={contract.contract_id} />
      {isRequest && contract.result !== null && <Expandable label="Result" value={contract.result} id={contract.contract_id} />}
      {contract.error !== null && <Expandable label="Error" value={contract.error} id={contract.contract_id} open />}
    </div>
  );
}

function Expandable({ label, value, id, open = false }: { label: string; value: unknown; id: string; open?: boolean }) {
  if (value === null || value === undefined) return null;
  return (
    <details open={open}>
      <summary aria-label={`${label} of ${id}`}>{label}</summary>
      <pre>{typeof value === 'string' ? value : json(value)}</pre>
    </details>
  );
}
