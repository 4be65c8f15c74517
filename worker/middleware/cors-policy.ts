import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

/** What a browser on an allowed origin may send and read: the headers this API defines. */
const ALLOW_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Priority", "Priority", "X-Request-Timeout-Ms"];
const EXPOSE_HEADERS = ["ETag", "Location", "Retry-After", "RateLimit", "RateLimit-Policy", "Server-Timing", "X-Degraded", "Idempotent-Replayed", "WWW-Authenticate"];

const policies = new WeakMap<readonly string[], MiddlewareHandler>();

/** Built once per configured list: hono's cors, with credentials off (keys travel as Bearer, never cookies). */
function policyFor(origins: readonly string[]): MiddlewareHandler {
  let policy = policies.get(origins);
  if (!policy) {
    policy = cors({ origin: [...origins], allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"], allowHeaders: ALLOW_HEADERS, exposeHeaders: EXPOSE_HEADERS, maxAge: 600 });
    policies.set(origins, policy);
  }
  return policy;
}

/**
 * CORS off unless `CORS_ALLOWED_ORIGINS` lists origins. Only a listed origin gets CORS headers
 * and an answered preflight; any other origin's preflight gets what a plain OPTIONS gets
 * (no route: 404, or 401 under /v1), which a browser treats as a refusal.
 */
export const corsPolicy = createMiddleware<AppEnv>(async (c, next) => {
  const origins = c.get("config").corsAllowedOrigins;
  if (!variesByOrigin(origins)) return next();
  const origin = c.req.header("origin");
  if (origin !== undefined && origins.includes(origin)) return policyFor(origins)(c, next);
  await next();
  c.res.headers.append("vary", "Origin");
});

/** Once some origins are allowed, every answer depends on the Origin header (shared caches), the Worker's door's too. */
export function variesByOrigin(allowedOrigins: readonly string[]): boolean {
  return allowedOrigins.length > 0;
}
