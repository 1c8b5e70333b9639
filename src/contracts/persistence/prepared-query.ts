import { createQueryId, type Compilable, type CompiledQuery } from 'kysely';

/**
 * A Kysely query compiled once and executed many times with different values.
 *
 * Building and compiling a query costs more than running a small statement on SQLite, so the
 * statements the store runs on every task are built once with named placeholders (`p('name')`) and
 * only their parameter list is filled per call. Placeholders are opaque marker values that Kysely
 * compiles into ordinary bound parameters; a name may be used more than once.
 */
export class PreparedQuery<P extends object, R> {
  private readonly compiled: CompiledQuery<R>;
  /** Per bound parameter: the name of the value to put there, or a constant compiled into the query. */
  private readonly bindings: ReadonlyArray<{ name: keyof P } | { value: unknown }>;

  private constructor(compiled: CompiledQuery<R>, bindings: ReadonlyArray<{ name: keyof P } | { value: unknown }>) {
    this.compiled = compiled;
    this.bindings = bindings;
  }

  /**
   * Builds and compiles a query once. `build` gets `p`, which stands for the value of parameter `name`
   * (typed as that parameter) wherever Kysely accepts a value.
   */
  static prepare<P extends object, R>(build: (p: <K extends keyof P & string>(name: K) => P[K]) => Compilable<R>): PreparedQuery<P, R> {
    const markers = new Map<string, string>();
    const p = <K extends keyof P & string>(name: K): P[K] => {
      const marker = `${MARKER_PREFIX}${name}`;
      markers.set(marker, name);
      return marker as unknown as P[K];
    };
    const compiled = build(p).compile();
    const bindings = compiled.parameters.map((value) => {
      const name = typeof value === 'string' ? markers.get(value) : undefined;
      return name !== undefined ? { name: name as keyof P } : { value };
    });
    const used = new Set(bindings.flatMap((b) => ('name' in b ? [b.name] : [])));
    for (const name of markers.values()) {
      if (!used.has(name as keyof P)) {
        // Kysely inlined the value instead of binding it: this query cannot be prepared this way.
        throw new Error(`PreparedQuery: placeholder '${name}' was not compiled into a bound parameter`);
      }
    }
    return new PreparedQuery(compiled, bindings);
  }

  /** The compiled query with `values` bound, ready for `db.executeQuery()` (or a transaction's). */
  bind(values: P): CompiledQuery<R> {
    const parameters = this.bindings.map((b) => ('name' in b ? values[b.name] : b.value));
    return { query: this.compiled.query, sql: this.compiled.sql, parameters, queryId: createQueryId() };
  }

  get sql(): string {
    return this.compiled.sql;
  }
}

const MARKER_PREFIX = '\u0000prepared-query-parameter:';
