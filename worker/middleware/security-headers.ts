import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";

/**
 * On every answer, errors included: hono's secure defaults (`X-Content-Type-Options: nosniff`,
 * `X-Frame-Options`, `Referrer-Policy: no-referrer`, HSTS, same-origin resource and opener
 * policies). A header a route sets itself, such as the dashboard's, is kept.
 */
export const securityHeaders = secureHeaders({ overwrite: false });

/** Tenant and operator answers carry private data: no browser or shared cache may keep them. */
export const noStore = createMiddleware(async (c, next) => {
  await next();
  c.res.headers.set("cache-control", "no-store");
});

