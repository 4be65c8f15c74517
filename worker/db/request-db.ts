import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { faultsOf } from "../chaos/chaos-step";
import { isolateRecorder } from "../telemetry/isolate-telemetry";
import { observeQueries } from "../telemetry/query-observer";
import { addQueryTime, isolateEventLoopLag } from "../telemetry/event-loop-lag";
import { timeD1 } from "../telemetry/time-d1";
import { createDb, type Db } from "./client";
import { failingD1 } from "./failing-d1";

/**
 * The request's Drizzle handle over a timed D1: every query feeds the request's db time
 * (Server-Timing), the isolate's query sketch and the slow-query log. Under X-Fault-D1-Error
 * (fault injection only) the calls fail at the rate asked for, inside the timing, so the
 * failures are counted as D1 errors.
 */
export function dbOf(c: Context<AppEnv, string, object>): Db {
  const config = c.get("config");
  const { d1ErrorRate } = faultsOf(c);
  const d1 = d1ErrorRate > 0 ? failingD1(c.env.DB, d1ErrorRate) : c.env.DB;
  if (!config.telemetry) return createDb(d1);
  const timings = c.get("timings");
  const lag = isolateEventLoopLag();
  const onQuery = observeQueries(isolateRecorder(config), {
    route: c.req.routePath,
    slowQueryMs: config.db.slowQueryThresholdMs,
    logSlowQueries: config.db.queryLogging,
    onTime: (ms) => {
      addQueryTime(timings, ms, lag.lagMs());
      lag.poke((work) => c.executionCtx.waitUntil(work));
    },
  });
  return createDb(timeD1(d1, onQuery));
}
