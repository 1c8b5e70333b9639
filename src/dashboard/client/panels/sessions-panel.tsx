import { useState } from 'preact/hooks';
import { useApi, usePolling } from '../hooks.js';
import { time } from '../format.js';
import type { Session } from '../types.js';
import { Panel, PanelError } from './panel.js';
import { Timeline } from './timeline.js';

const POLL_MS = 2000;
const SHOWN = 20;
/** What the API accepts as `session_id_prefix`. */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The sessions, newest first, with a filter; the chosen one shows its timeline. */
export function SessionsPanel({
  selected,
  timelineVersion,
  onSelect,
}: {
  selected: string | undefined;
  /** A change reads the open timeline again at once. */
  timelineVersion: number;
  onSelect: (sessionId: string) => void;
}) {
  const api = useApi();
  const [filter, setFilter] = useState('');
  const prefix = PREFIX.test(filter) ? filter : undefined;
  const { data, error } = usePolling(
    () => api.get<{ sessions: Session[]; total: number }>('/v1/sessions', { limit: SHOWN, session_id_prefix: prefix }),
    POLL_MS,
    [prefix],
  );
  return (
    <Panel id="sessions" title="Sessions">
      <div class="toolbar">
        <label>
          Filter sessions{' '}
          <input
            type="search"
            value={filter}
            placeholder="session id starts with…"
            onInput={(event) => setFilter(event.currentTarget.value)}
          />
        </label>
        {data && (
          <span class="muted">
            {data.sessions.length} of {data.total}
          </span>
        )}
      </div>
      <div class="sessions-layout">
        <div>
          {filter !== '' && prefix === undefined && (
            <p class="muted">A filter is the start of a session id: letters, digits, ".", "_", ":" or "-".</p>
          )}
          <PanelError error={error} />
          {data && data.sessions.length === 0 && <p>No session{prefix === undefined ? '' : ' matches'}.</p>}
          {data && data.sessions.length > 0 && (
            <ul class="sessions">
              {data.sessions.map((session) => (
                <li key={session.session_id}>
                  <button
                    type="button"
                    class={session.session_id === selected ? 'link selected' : 'link'}
                    aria-pressed={session.session_id === selected}
                    aria-label={`Open session ${session.session_id}`}
                    onClick={() => onSelect(session.session_id)}
                  >
                    {session.session_id}
                  </button>{' '}
                  <span class="muted">
                    {session.contract_count} contracts · updated {time(session.updated_at)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {selected === undefined ? (
          <p class="muted">Open a session to see its timeline.</p>
        ) : (
          <Timeline sessionId={selected} version={timelineVersion} />
        )}
      </div>
    </Panel>
  );
}
