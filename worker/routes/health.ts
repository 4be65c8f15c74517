import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";

export const healthApp = new Hono<AppEnv>();

/** Liveness: the isolate runs. Never touches a dependency. */
healthApp.get("/healthz", (c) => c.json({ status: "ok" }));

/** Readiness: D1 answers a trivial query. */
healthApp.get("/readyz", async (c) => {
  const started = performance.now();
  try {
    await c.env.DB.prepare("SELECT 1").first();
  } catch {
    throw new ApiError("unavailable", "The database is not reachable", { headers: { "retry-after": "5" } });
  }
  return c.json({ status: "ready", checks: { d1: { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 } } });
});
