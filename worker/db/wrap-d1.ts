/**
 * A D1Database whose every call (a statement's first/all/run/raw, a batch, exec) goes through
 * `around(sql, call)`: the one decorator shape behind query timing (telemetry/time-d1.ts) and
 * injected failures (db/failing-d1.ts). Drizzle only uses prepare/bind/first/all/run/raw/batch,
 * so wrapping the binding covers every query the API makes. Layers nest: each unwraps its own
 * statements before handing a batch to the layer below, since D1's batch only accepts its own.
 */

/** Runs one call; `sql` names it (a batch: `BATCH(n) sql; sql`). */
export type AroundCall = <T>(sql: string, call: () => Promise<T>) => Promise<T>;

const unwrapped = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
const sqlOf = new WeakMap<D1PreparedStatement, string>();

class WrappedStatement implements D1PreparedStatement {
  constructor(
    private readonly inner: D1PreparedStatement,
    private readonly sql: string,
    private readonly around: AroundCall,
  ) {
    unwrapped.set(this, inner);
    sqlOf.set(this, sql);
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new WrappedStatement(this.inner.bind(...values), this.sql, this.around);
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T>(colName?: string): Promise<T | null> {
    return this.around(this.sql, () => (colName === undefined ? this.inner.first<T>() : this.inner.first<T>(colName)));
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.around(this.sql, () => this.inner.run<T>());
  }

  all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.around(this.sql, () => this.inner.all<T>());
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    if (options?.columnNames === true) return this.around(this.sql, () => this.inner.raw<T>({ columnNames: true }));
    return this.around(this.sql, () => this.inner.raw<T>({ columnNames: false }));
  }
}

/** The statement one layer down (itself when it is already native). */
const native = (s: D1PreparedStatement): D1PreparedStatement => unwrapped.get(s) ?? s;

class WrappedD1 implements D1Database {
  constructor(
    private readonly inner: D1Database,
    private readonly around: AroundCall,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return new WrappedStatement(this.inner.prepare(query), query, this.around);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const sql = `BATCH(${statements.length}) ${statements.map((s) => sqlOf.get(s) ?? "?").join("; ")}`;
    return this.around(sql, () => this.inner.batch<T>(statements.map(native)));
  }

  exec(query: string): Promise<D1ExecResult> {
    return this.around(query, () => this.inner.exec(query));
  }

  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    return this.inner.withSession(constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return this.inner.dump();
  }
}

export function wrapD1(db: D1Database, around: AroundCall): D1Database {
  return new WrappedD1(db, around);
}
