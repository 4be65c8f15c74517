import { wrapD1 } from "../db/wrap-d1";

/**
 * Times every D1 query: a D1Database whose statements report (sql, ms, error) after each
 * first/all/run/raw and each batch (db/wrap-d1.ts). The callback runs after the query settles
 * and cannot change its result: its own errors are swallowed.
 */

export type OnQuery = (sql: string, ms: number, error?: unknown) => void;

function report(onQuery: OnQuery, sql: string, ms: number, error?: unknown): void {
  try {
    onQuery(sql, ms, error);
  } catch {
    // Observing a query must never fail it.
  }
}

/** `db` with every query reported to `onQuery(sql, ms, error?)` once it settles. */
export function timeD1(db: D1Database, onQuery: OnQuery): D1Database {
  return wrapD1(db, async (sql, call) => {
    const started = performance.now();
    try {
      const result = await call();
      report(onQuery, sql, performance.now() - started);
      return result;
    } catch (error) {
      report(onQuery, sql, performance.now() - started, error);
      throw error;
    }
  });
}
