import { useState } from 'preact/hooks';
import { useApi, usePolling } from '../hooks.js';
import { json } from '../format.js';
import type { Agent, Capability, Task } from '../types.js';
import { Panel, PanelError, StatusBadge } from './panel.js';

const POLL_MS = 3000;
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface Run {
  taskId?: string;
  task?: Task;
  error?: string;
}

/**
 * A form that submits a task (`POST /v1/tasks`) and follows it over its event stream until it ends;
 * the answer shows here. `onRan` is called when the task is accepted and when it ends: the session's
 * timeline opens, and is read again.
 */
export function RunTaskPanel({ onRan }: { onRan: (sessionId: string) => void }) {
  const api = useApi();
  const agents = usePolling(() => api.get<{ agents: Agent[] }>('/v1/agents'), POLL_MS);
  const capabilities = liveCapabilities(agents.data?.agents ?? []);
  const [sessionId, setSessionId] = useState('dashboard_session');
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [parameters, setParameters] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [run, setRun] = useState<Run | undefined>(undefined);

  const capability = capabilities.find((c) => c.name === chosen) ?? capabilities[0];
  const parametersText = parameters ?? (capability ? exampleOf(capability) : '{}');

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    if (capability === undefined) return setProblem('No capability is available.');
    if (!SESSION_ID.test(sessionId)) {
      return setProblem('Session: 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(parametersText);
    } catch (reason) {
      return setProblem(`Parameters are not valid JSON: ${reason instanceof Error ? reason.message : String(reason)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return setProblem('Parameters must be a JSON object.');

    setRun({});
    try {
      const accepted = await api.post<{ task_id: string }>('/v1/tasks', {
        session_id: sessionId,
        capability: capability.name,
        parameters: parsed,
      });
      setRun({ taskId: accepted.task_id });
      onRan(sessionId);
      await api.follow(`/v1/tasks/${encodeURIComponent(accepted.task_id)}/events`, (type, data) => {
        if (type === 'state') setRun({ taskId: accepted.task_id, task: data as Task });
      });
      // Read the timeline again now that the RESPONSE is there.
      onRan(sessionId);
    } catch (reason) {
      setRun((current) => ({ ...current, error: reason instanceof Error ? reason.message : String(reason) }));
    }
  };

  return (
    <Panel id="run" title="Run a task">
      <PanelError error={agents.error} />
      <form class="run-form" onSubmit={(event) => void submit(event)} noValidate>
        <label>
          Session
          <input type="text" value={sessionId} required onInput={(event) => setSessionId(event.currentTarget.value)} />
        </label>
        <label>
          Capability
          <select
            value={capability?.name ?? ''}
            onChange={(event) => {
              setChosen(event.currentTarget.value);
              setParameters(undefined);
            }}
          >
            {capabilities.map((c) => (
              <option key={c.name} value={c.name} title={c.description}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {capability && <p class="muted">{capability.description}</p>}
        <label>
          Parameters
          <textarea rows={5} spellcheck={false} value={parametersText} onInput={(event) => setParameters(event.currentTarget.value)} />
        </label>
        {capability && (
          <details>
            <summary>Schema of {capability.name}</summary>
            <pre aria-label={`Parameter schema of ${capability.name}`}>{json(capability.input_schema)}</pre>
          </details>
        )}
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={capability === undefined}>
          Run
        </button>
      </form>
      <div class="answer" role="status" aria-live="polite" aria-label="Answer">
        {run && <Answer run={run} />}
      </div>
    </Panel>
  );
}

function Answer({ run }: { run: Run }) {
  if (run.error !== undefined) {
    return (
      <p class="error" role="alert">
        {run.error}
      </p>
    );
  }
  if (run.taskId === undefined) return <p>Submitting…</p>;
  const task = run.task;
  return (
    <div>
      <p>
        Task <code>{run.taskId}</code> {task ? <StatusBadge status={task.status} /> : <span>submitted</span>}
      </p>
      {task?.result !== undefined && task.result !== null && <pre>{json(task.result)}</pre>}
      {task?.error && <p class="error">{task.error}</p>}
    </div>
  );
}

/** Every capability an agent in service offers, once each, by name. */
function liveCapabilities(agents: readonly Agent[]): Capability[] {
  const byName = new Map<string, Capability>();
  for (const agent of agents) {
    if (agent.status === 'offline' || agent.status === 'error') continue;
    for (const capability of agent.capabilities) if (!byName.has(capability.name)) byName.set(capability.name, capability);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A starting value for the Parameters field: the schema's properties with empty values. */
function exampleOf(capability: Capability): string {
  const properties = capability.input_schema['properties'];
  if (typeof properties !== 'object' || properties === null) return '{}';
  const example: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties as Record<string, { type?: string }>)) {
    example[name] = schema.type === 'number' || schema.type === 'integer' ? 0 : schema.type === 'boolean' ? false : '';
  }
  return JSON.stringify(example, null, 2);
}
