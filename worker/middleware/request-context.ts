import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { isolateCaches } from "../cache/isolate-caches";
import { configOf } from "../config";
import { isolateRecorder } from "../telemetry/isolate-telemetry";

/** Parses config (once per isolate), applies it to the isolate's caches and starts the request's timings. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set("timings", { startedAt: performance.now(), queueMs: 0, dbMs: 0, dbMsWithoutLag: 0, dbQueries: 0 });
  const config = configOf(c.env);
  c.set("config", config);
  isolateCaches.configureFrom(config, config.telemetry ? isolateRecorder(config) : undefined);
  await next();
});
