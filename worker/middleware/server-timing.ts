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
  c.res.headers.set("server-timing", `queue;dur=${round(t.queueMs)}, db;dur=${round(t.dbMs)}, total;dur=${round(performance.now() - t.startedAt)}`);
});
