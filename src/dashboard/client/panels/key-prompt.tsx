import { useState } from 'preact/hooks';

/** Asks for an API key once the API answers 401; the key stays in this tab's session storage. */
export function KeyPrompt({ message, onKey }: { message: string; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="key-prompt"
      aria-label="Enter an API key"
      onSubmit={(event) => {
        event.preventDefault();
        if (key.trim() !== '') onKey(key.trim());
      }}
    >
      <p>
        <strong>This orchestrator needs an API key.</strong> {message}
      </p>
      <label>
        API key <input type="password" autocomplete="off" value={key} onInput={(event) => setKey(event.currentTarget.value)} />
      </label>{' '}
      <button type="submit">Use this key</button>
      <p class="muted">Kept in this tab only (session storage) and sent as a Bearer token.</p>
    </form>
  );
}
