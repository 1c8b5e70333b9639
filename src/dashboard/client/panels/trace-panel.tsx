import { useApi, usePolling } from '../hooks.js';
import { time } from '../format.js';
import type { TraceStatus } from '../types.js';
import { Panel, PanelError } from './panel.js';

const POLL_MS = 5000;

interface Status {
  integrations: { details: { trace: TraceStatus } };
}

/** Delivery of contracts to Trace: the outbox backlog, its oldest event, dead letters. */
export function TracePanel() {
  const api = useApi();
  const { data, error } = usePolling(() => api.get<Status>('/v1/status'), POLL_MS);
  const trace = data?.integrations.details.trace;
  return (
    <Panel id="trace" title="Trace">
      <PanelError error={error} />
      {trace && (
        <dl class="facts">
          <dt>Trace service</dt>
          <dd>
            {trace.configured
              ? `${trace.url ?? ''} (${trace.reachable ? 'reachable' : 'unreachable'})`
              : 'not configured (TRACE_URL unset)'}
          </dd>
          <dt>Outbox backlog</dt>
          <dd>{trace.outbox_backlog} events</dd>
          <dt>Oldest pending event</dt>
          <dd>{time(trace.oldest_pending_at)}</dd>
          <dt>Dead letters</dt>
          <dd class={trace.dead_letters > 0 ? 'error' : undefined}>
            {trace.dead_letters === 0
              ? 'none'
              : `${trace.dead_letters} since ${time(trace.oldest_dead_letter_at)} (npm run outbox -- list)`}
          </dd>
        </dl>
      )}
    </Panel>
  );
}
