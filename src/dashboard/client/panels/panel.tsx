import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

/** One panel of the page: a section named by its heading. */
export function Panel({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="panel" id={id} aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {children}
    </section>
  );
}

/** What a failed read means for the person looking at the panel. */
export function PanelError({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  let text = error.message;
  if (error instanceof ApiError && error.status === 401) text = `An API key is needed to see this. ${error.message}`;
  else if (error instanceof ApiError && error.status === 403) text = `This API key may not see this panel. ${error.message}`;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}
