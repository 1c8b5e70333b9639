import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api.js';
import { ApiContext } from './hooks.js';
import { AgentsPanel } from './panels/agents-panel.js';
import { KeyPrompt } from './panels/key-prompt.js';
import { RunTaskPanel } from './panels/run-task-panel.js';
import { SessionsPanel } from './panels/sessions-panel.js';
import { TasksPanel } from './panels/tasks-panel.js';
import { TracePanel } from './panels/trace-panel.js';

function App() {
  const api = useMemo(() => new ApiClient(), []);
  const [keyNeeded, setKeyNeeded] = useState<string | undefined>(undefined);
  const [hasKey, setHasKey] = useState(() => api.key !== null);
  // Panels start again (and read at once) when the key changes.
  const [generation, setGeneration] = useState(0);
  const [session, setSession] = useState<string | undefined>(undefined);
  // Bumped when a task run from the page starts or ends, so that its timeline is read at once.
  const [timelineVersion, setTimelineVersion] = useState(0);
  const ran = (sessionId: string) => {
    setSession(sessionId);
    setTimelineVersion((n) => n + 1);
  };
  api.onUnauthorized = (message) => setKeyNeeded(message);

  const applyKey = (key: string | null) => {
    api.key = key;
    setHasKey(key !== null);
    setKeyNeeded(undefined);
    setGeneration((n) => n + 1);
  };

  return (
    <ApiContext.Provider value={api}>
      <header>
        <h1>Agent Orchestrator</h1>
        {hasKey && (
          <button type="button" onClick={() => applyKey(null)}>
            Forget API key
          </button>
        )}
      </header>
      {/* Without a valid key nothing can be read: the panels stop until one is given. */}
      {keyNeeded !== undefined && <KeyPrompt message={keyNeeded} onKey={applyKey} />}
      {keyNeeded === undefined && (
        <main class="panels" key={generation}>
          <AgentsPanel />
          <RunTaskPanel onRan={ran} />
          <TracePanel />
          <TasksPanel onOpenSession={setSession} />
          <SessionsPanel selected={session} timelineVersion={timelineVersion} onSelect={setSession} />
        </main>
      )}
    </ApiContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
