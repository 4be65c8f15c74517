import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { isolateRecorder } from "../telemetry/isolate-telemetry";
import { observeQueries } from "../telemetry/query-observer";
import { timeD1 } from "../telemetry/time-d1";
import { createDb, type Db } from "./client";

/**
 * The request's Drizzle handle over a timed D1: every query feeds the request's db time
 * (Server-Timing), the isolate's query sketch and the slow-query log.
 */
export function dbOf(c: Context<AppEnv, string, object>): Db {
  const config = c.get("config");
  if (!config.telemetry) return createDb(c.env.DB);
  const timings = c.get("timings");
  const onQuery = observeQueries(isolateRecorder(config), {
    route: c.req.routePath,
    slowQueryMs: config.db.slowQueryThresholdMs,
    logSlowQueries: config.db.queryLogging,
    onTime: (ms) => {
      timings.dbMs += ms;
      timings.dbQueries++;
    },
  });
  return createDb(timeD1(c.env.DB, onQuery));
}
