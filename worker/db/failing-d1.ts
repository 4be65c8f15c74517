/**
 * X-Fault-D1-Error (DESIGN.md section 10): a D1Database whose calls (first/all/run/raw, a
 * batch, exec) each throw with probability `rate`, *before* they reach D1, as a dropped
 * connection would. A failed call has done nothing: a failed batch wrote nothing.
 */

/** What an injected D1 failure throws; errors.ts answers it, like any D1 outage, 503. */
export class InjectedD1Error extends Error {
  override name = "InjectedD1Error";
  constructor() {
    super("D1_ERROR: injected fault (X-Fault-D1-Error): the call never reached D1");
  }
}

const unwrapped = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

type Gate = () => void;

class FailingStatement implements D1PreparedStatement {
  constructor(
    private readonly inner: D1PreparedStatement,
    private readonly gate: Gate,
  ) {
    unwrapped.set(this, inner);
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return new FailingStatement(this.inner.bind(...values), this.gate);
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(colName?: string): Promise<T | null> {
    this.gate();
    return colName === undefined ? this.inner.first<T>() : this.inner.first<T>(colName);
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.gate();
    return this.inner.run<T>();
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.gate();
    return this.inner.all<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    this.gate();
    if (options?.columnNames === true) return this.inner.raw<T>({ columnNames: true });
    return this.inner.raw<T>({ columnNames: false });
  }
}

/** D1's batch only accepts its own statements. */
const native = (s: D1PreparedStatement): D1PreparedStatement => unwrapped.get(s) ?? s;

class FailingD1 implements D1Database {
  constructor(
    private readonly inner: D1Database,
    private readonly gate: Gate,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return new FailingStatement(this.inner.prepare(query), this.gate);
  }

  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    this.gate();
    return this.inner.batch<T>(statements.map(native));
  }

  async exec(query: string): Promise<D1ExecResult> {
    this.gate();
    return this.inner.exec(query);
  }

  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    return this.inner.withSession(constraintOrBookmark);
  }

  dump(): Promise<ArrayBuffer> {
    return this.inner.dump();
  }
}

/** `db` whose every call fails with probability `rate` (0 never, 1 always); `random` is injectable for tests. */
export function failingD1(db: D1Database, rate: number, random: () => number = Math.random): D1Database {
  return new FailingD1(db, () => {
    if (random() < rate) throw new InjectedD1Error();
  });
}
