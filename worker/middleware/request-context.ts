import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";

/** Parses config (once per isolate) and starts the request's timings. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set("timings", { startedAt: performance.now(), queueMs: 0, dbMs: 0 });
  c.set("config", configOf(c.env));
  await next();
});
