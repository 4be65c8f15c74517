import type { TelemetryRecorder } from "./recorder";
import type { OnQuery } from "./time-d1";

const MAX_SQL_CHARS = 300;

/**
 * SQL fit for logs and reports: literal strings and numbers replaced by `?` (they may be
 * personal data), whitespace collapsed, truncated. Drizzle binds parameters, so this is
 * mostly a guard for hand-written SQL.
 */
export function normalizeSql(sql: string): string {
  const s = sql
    .replace(/'(?:[^']|'')*'/g, "?")
    .replace(/\b\d+(?:\.\d+)?\b/g, "?")
    .replace(/\s+/g, " ")
    .trim();
  return s.length > MAX_SQL_CHARS ? `${s.slice(0, MAX_SQL_CHARS)}…` : s;
}

export interface QueryObserverOptions {
  /** Route template the queries run for. */
  route: string;
  /** DB_SLOW_QUERY_THRESHOLD, ms. */
  slowQueryMs: number;
  /** DB_ENABLE_QUERY_LOGGING: log slow queries as structured JSON. */
  logSlowQueries: boolean;
  /** Adds each query's time to the request's db timing (Server-Timing). */
  onTime?: (ms: number) => void;
  log?: (line: string) => void;
}

/** The `onQuery` for timeD1: feeds the recorder, the request's timings and the slow-query log. */
export function observeQueries(recorder: TelemetryRecorder, options: QueryObserverOptions): OnQuery {
  const log = options.log ?? ((line: string) => console.warn(line));
  return (sql, ms, error) => {
    const clean = normalizeSql(sql);
    recorder.recordQuery(options.route, clean, ms, error !== undefined);
    options.onTime?.(ms);
    if (options.logSlowQueries && ms >= options.slowQueryMs) {
      log(JSON.stringify({ level: "warn", event: "slow_query", route: options.route, ms: Math.round(ms * 10) / 10, thresholdMs: options.slowQueryMs, sql: clean, failed: error !== undefined }));
    }
  };
}
