import { useApi, usePolling } from '../hooks.js';
import { time } from '../format.js';
import type { Agent } from '../types.js';
import { Panel, PanelError, StatusBadge } from './panel.js';

const POLL_MS = 2000;

/** Every agent: status, load and counts; a remote agent's endpoint and last heartbeat. */
export function AgentsPanel() {
  const api = useApi();
  const { data, error } = usePolling(() => api.get<{ agents: Agent[] }>('/v1/agents'), POLL_MS);
  return (
    <Panel id="agents" title="Agents">
      <PanelError error={error} />
      {data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">In flight / max</th>
              <th scope="col">Done</th>
              <th scope="col">Failed</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Last heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {data.agents.map((agent) => (
              <tr key={agent.agent_id}>
                <td>
                  <code>{agent.agent_id}</code>
                </td>
                <td title={agent.description}>{agent.name}</td>
                <td>{agent.kind}</td>
                <td>
                  <StatusBadge status={agent.status} />
                </td>
                <td>
                  {agent.in_flight} / {agent.max_concurrency ?? '∞'}
                </td>
                <td>{agent.tasks_completed}</td>
                <td>{agent.tasks_failed}</td>
                <td>{agent.endpoint ?? '—'}</td>
                <td>{agent.kind === 'local' ? '—' : time(agent.last_heartbeat)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.agents.length === 0 && <p>No agent is registered.</p>}
    </Panel>
  );
}
