import pg from 'pg';

/** Statement name per SQL text registered with prepareOnEveryConnection. */
const names = new Map<string, string>();

/**
 * Has `sql` run as a named prepared statement on the PostgreSQL store: each connection parses and
 * plans it once, then only binds and executes it. For a large statement run often (the task path's
 * batch write), planning cost more than running it. No effect on SQLite. The text must be constant:
 * each registered text keeps a statement on every connection for the connection's life.
 */
export function prepareOnEveryConnection(sql: string): void {
  if (!names.has(sql)) names.set(sql, `orchestrator_${names.size + 1}`);
}

/**
 * The store's pool client: a query whose text was registered with prepareOnEveryConnection is sent
 * as that named statement (Kysely passes text and values only, so the name is added here).
 */
export class PreparingClient extends pg.Client {
  // One signature for pg's overloads: only the (text, values[, callback]) form Kysely uses changes.
  override query(config: any, values?: any, callback?: any): any {
    const name = typeof config === 'string' ? names.get(config) : undefined;
    if (name !== undefined && Array.isArray(values)) return super.query({ name, text: config as string, values }, callback);
    return super.query(config, values, callback);
  }
}
