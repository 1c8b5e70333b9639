import { useState } from 'preact/hooks';
import { useApi, usePolling } from '../hooks.js';
import { duration, shortId, time } from '../format.js';
import type { Task } from '../types.js';
import { Panel, PanelError, StatusBadge } from './panel.js';

const POLL_MS = 1000;
const SHOWN = 20;
const STATUSES = ['submitted', 'working', 'completed', 'failed', 'cancelled'] as const;

/** The latest tasks, newest first; a task not finished yet can be cancelled. */
export function TasksPanel({ onOpenSession }: { onOpenSession: (sessionId: string) => void }) {
  const api = useApi();
  const [status, setStatus] = useState('');
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const { data, error, refresh } = usePolling(
    () => api.get<{ tasks: Task[]; total: number }>('/v1/tasks', { limit: SHOWN, status }),
    POLL_MS,
    [status],
  );

  const cancel = async (task: Task) => {
    setActionError(undefined);
    try {
      await api.post(`/v1/tasks/${encodeURIComponent(task.task_id)}/cancel`, {});
    } catch (reason) {
      setActionError(`Could not cancel task ${task.task_id}: ${reason instanceof Error ? reason.message : String(reason)}`);
    }
    refresh();
  };

  return (
    <Panel id="tasks" title="Tasks">
      <div class="toolbar">
        <label>
          Task status{' '}
          <select value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {data && (
          <span class="muted">
            {data.tasks.length} of {data.total}
          </span>
        )}
      </div>
      <PanelError error={error} />
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}
      {data && data.tasks.length === 0 && <p>No task yet.</p>}
      {data && data.tasks.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Session</th>
              <th scope="col">Capability</th>
              <th scope="col">Agent</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.tasks.map((task) => (
              <tr key={task.task_id} data-task-id={task.task_id}>
                <td>
                  <code title={task.task_id}>{shortId(task.task_id)}</code>
                </td>
                <td>
                  <button
                    type="button"
                    class="link"
                    aria-label={`Open session ${task.session_id}`}
                    onClick={() => onOpenSession(task.session_id)}
                  >
                    {task.session_id}
                  </button>
                </td>
                <td>{task.capability}</td>
                <td>{task.agent_id}</td>
                <td>
                  <StatusBadge status={task.status} />
                </td>
                <td>{time(task.created_at)}</td>
                <td>{duration(task.created_at, task.completed_at)}</td>
                <td>
                  {(task.status === 'working' || task.status === 'submitted') && (
                    <button type="button" aria-label={`Cancel task ${task.task_id}`} onClick={() => void cancel(task)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
