import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * `Server-Timing: queue;dur=…, db;dur=…, total;dur=…` on tenant responses, errors included.
 * Note: inside workerd, performance.now() advances only on I/O (a Spectre mitigation), which
 * is exactly what queue and db time are made of.
 */
export const serverTiming = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const t = c.get("timings");
  c.res.headers.set("server-timing", serverTimingValue(t.queueMs, t.dbMs, performance.now() - t.startedAt));
});

/** The header's value, also for answers given before the app (the Worker's door). */
export function serverTimingValue(queueMs: number, dbMs: number, totalMs: number): string {
  return `queue;dur=${round(queueMs)}, db;dur=${round(dbMs)}, total;dur=${round(totalMs)}`;
}
