/**
 * Times every D1 query: a D1Database whose statements report (sql, ms, error) after each
 * first/all/run/raw and each batch. Drizzle only uses prepare/bind/first/all/run/raw/batch,
 * so wrapping the binding times every query the API makes. The callback runs after the
 * query settles and cannot change its result: its own errors are swallowed.
 */

export type OnQuery = (sql: string, ms: number, error?: unknown) => void;

const unwrapped = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

async function timed<T>(sql: string, onQuery: OnQuery, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    report(onQuery, sql, performance.now() - started);
    return result;
  } catch (error) {
    report(onQuery, sql, performance.now() - started, error);
    throw error;
  }
}

function report(onQuery: OnQuery, sql: string, ms: number, error?: unknown): void {
  try {
    onQuery(sql, ms, error);
  } catch {
    // Observing a query must never fail it.
  }
}

class TimedStatement implements D1PreparedStatement {
  constructor(
    private readonly inner: D1PreparedStatement,
    readonly sql: string,
    private readonly onQuery: OnQuery,
  ) {
    unwrapped.set(this, inner);
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new TimedStatement(this.inner.bind(...values), this.sql, this.onQuery);
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T>(colName?: string): Promise<T | null> {
    return timed(this.sql, this.onQuery, () => (colName === undefined ? this.inner.first<T>() : this.inner.first<T>(colName)));
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return timed(this.sql, this.onQuery, () => this.inner.run<T>());
  }

  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return timed(this.sql, this.onQuery, () => this.inner.all<T>());
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    if (options?.columnNames === true) return timed(this.sql, this.onQuery, () => this.inner.raw<T>({ columnNames: true }));
    return timed(this.sql, this.onQuery, () => this.inner.raw<T>({ columnNames: false }));
  }
}

/** The native statement behind a (possibly) timed one: D1's batch only accepts its own objects. */
const native = (s: D1PreparedStatement): D1PreparedStatement => unwrapped.get(s) ?? s;

class TimedD1 implements D1Database {
  constructor(
    private readonly inner: D1Database,
    private readonly onQuery: OnQuery,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return new TimedStatement(this.inner.prepare(query), query, this.onQuery);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const sql = `BATCH(${statements.length}) ${statements.map((s) => (s instanceof TimedStatement ? s.sql : "?")).join("; ")}`;
    return timed(sql, this.onQuery, () => this.inner.batch<T>(statements.map(native)));
  }

  exec(query: string): Promise<D1ExecResult> {
    return timed(query, this.onQuery, () => this.inner.exec(query));
  }

  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    return this.inner.withSession(constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return this.inner.dump();
  }
}

/** `db` with every query reported to `onQuery(sql, ms, error?)` once it settles. */
export function timeD1(db: D1Database, onQuery: OnQuery): D1Database {
  return new TimedD1(db, onQuery);
}
