/** Display helpers shared by the panels. */

export function time(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
}

export function duration(from: string, to: string | null, now = Date.now()): string {
  const end = to === null ? now : new Date(to).getTime();
  const ms = Math.max(0, end - new Date(from).getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** The last characters of a ULID: enough to tell tasks apart on one screen. */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-8)}` : id;
}
