import { describe, expect, it, vi } from "vitest";
import { normalizeSql, observeQueries } from "../../../worker/telemetry/query-observer";
import { TelemetryRecorder } from "../../../worker/telemetry/recorder";
import { timeD1 } from "../../../worker/telemetry/time-d1";
import { failingD1, InjectedD1Error } from "../../../worker/db/failing-d1";
import { T0 } from "./support";

/** A stand-in for the D1 binding: records what reached it. */
function fakeD1(fail = false) {
  const seen: string[] = [];
  const result = { results: [], success: true, meta: {} };
  const statement = (sql: string, bound: unknown[] = []): D1PreparedStatement => {
    const s = {
      sql,
      bound,
      bind: (...v: unknown[]) => statement(sql, v),
      first: async () => (fail ? Promise.reject(new Error("boom")) : { n: 1 }),
      run: async () => result,
      all: async () => result,
      raw: async (o?: { columnNames?: boolean }) => (o?.columnNames ? [["n"], [1]] : [[1]]),
    };
    return s as unknown as D1PreparedStatement;
  };
  const db = {
    prepare: (sql: string) => statement(sql),
    batch: async (stmts: D1PreparedStatement[]) => {
      for (const s of stmts) seen.push((s as unknown as { sql: string; bound: unknown[] }).sql + JSON.stringify((s as unknown as { bound: unknown[] }).bound));
      return stmts.map(() => result);
    },
    exec: async () => ({ count: 0, duration: 0 }),
    withSession: () => ({}) as D1DatabaseSession,
    dump: async () => new ArrayBuffer(0),
  };
  return { db: db as unknown as D1Database, seen };
}

describe("timeD1 over failingD1 (the request's two layers)", () => {
  it("times a batch whose statements pass through both layers, hands D1 its own statements, and times an injected failure", async () => {
    const { db, seen } = fakeD1();
    const queries: { sql: string; failed: boolean }[] = [];
    let fail = false;
    const layered = timeD1(
      failingD1(db, 0.5, () => (fail ? 0 : 0.9)),
      (sql, _ms, error) => queries.push({ sql, failed: error !== undefined }),
    );
    await layered.batch([layered.prepare("INSERT INTO a VALUES (?)").bind("x"), layered.prepare("DELETE FROM b")]);
    fail = true;
    await expect(layered.prepare("SELECT 1").first()).rejects.toBeInstanceOf(InjectedD1Error);
    expect(queries).toEqual([
      { sql: "BATCH(2) INSERT INTO a VALUES (?); DELETE FROM b", failed: false },
      { sql: "SELECT 1", failed: true },
    ]);
    expect(seen).toEqual(['INSERT INTO a VALUES (?)["x"]', "DELETE FROM b[]"]);
  });
});

describe("timeD1", () => {
  it("reports every first/all/run/raw and batch with its SQL", async () => {
    const { db, seen } = fakeD1();
    const queries: string[] = [];
    const timed = timeD1(db, (sql, ms) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      queries.push(sql);
    });
    const s = timed.prepare("SELECT * FROM tasks WHERE id = ?");
    await s.bind(1).first();
    await s.bind(2).all();
    await timed.prepare("UPDATE t SET a = ?").bind(3).run();
    expect(await timed.prepare("SELECT 1").raw({ columnNames: true })).toEqual([["n"], [1]]);
    await timed.batch([timed.prepare("INSERT INTO a VALUES (?)").bind("x"), timed.prepare("DELETE FROM b")]);
    expect(queries).toEqual([
      "SELECT * FROM tasks WHERE id = ?",
      "SELECT * FROM tasks WHERE id = ?",
      "UPDATE t SET a = ?",
      "SELECT 1",
      "BATCH(2) INSERT INTO a VALUES (?); DELETE FROM b",
    ]);
    // The binding received its own statements, bindings intact.
    expect(seen).toEqual(['INSERT INTO a VALUES (?)["x"]', "DELETE FROM b[]"]);
  });

  it("reports failures and rethrows them; a throwing observer changes nothing", async () => {
    const { db } = fakeD1(true);
    const errors: unknown[] = [];
    await expect(timeD1(db, (_sql, _ms, e) => errors.push(e)).prepare("SELECT 1").first()).rejects.toThrow("boom");
    expect(errors).toHaveLength(1);
    const { db: ok } = fakeD1();
    const bad = timeD1(ok, () => {
      throw new Error("observer bug");
    });
    await expect(bad.prepare("SELECT 1").first()).resolves.toEqual({ n: 1 });
  });
});

describe("observeQueries", () => {
  it("counts slow queries by route and logs them as structured JSON when logging is on", () => {
    const recorder = new TelemetryRecorder({ intervalMs: 1, slowQueryMs: 100, source: "s" });
    const lines: string[] = [];
    const onQuery = observeQueries(recorder, { route: "GET /v1/tasks", slowQueryMs: 100, logSlowQueries: true, log: (l) => lines.push(l) });
    onQuery("SELECT * FROM tasks WHERE title = 'secret' AND n = 42", 150);
    onQuery("SELECT 1", 3);
    onQuery("SELECT 2", 5, new Error("x"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: "warn", event: "slow_query", route: "GET /v1/tasks", ms: 150, sql: "SELECT * FROM tasks WHERE title = ? AND n = ?" });
    const batch = recorder.takeBatch(T0);
    expect(batch?.db).toMatchObject({ slow: 1, errors: 1, slowByRoute: { "GET /v1/tasks": 1 } });
    expect(batch?.db.queries.count).toBe(3);
  });

  it("does not log when DB_ENABLE_QUERY_LOGGING is off, but still counts", () => {
    const recorder = new TelemetryRecorder({ intervalMs: 1, slowQueryMs: 100, source: "s" });
    const log = vi.fn();
    observeQueries(recorder, { route: "r", slowQueryMs: 100, logSlowQueries: false, log })("SELECT 1", 500);
    expect(log).not.toHaveBeenCalled();
    expect(recorder.takeBatch(T0)?.db.slow).toBe(1);
  });

  it("normalizeSql strips literals and truncates", () => {
    expect(normalizeSql("SELECT  *\n FROM t WHERE a = 'it''s' AND b = 3.5")).toBe("SELECT * FROM t WHERE a = ? AND b = ?");
    expect(normalizeSql("x".repeat(400)).length).toBeLessThanOrEqual(301);
  });
});
