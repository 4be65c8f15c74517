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

/**
 * The /docs viewer: Scalar's script and its fonts come from their CDNs (the script only from
 * Scalar's own npm packages), styles are injected inline by the viewer, and the document and
 * "try it" requests go to this origin.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src https://cdn.jsdelivr.net/npm/@scalar/",
  "style-src 'unsafe-inline'",
  "font-src https://fonts.scalar.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const docsContentSecurityPolicy = createMiddleware(async (c, next) => {
  await next();
  if (c.res.headers.get("content-type")?.startsWith("text/html")) c.res.headers.set("content-security-policy", DOCS_CONTENT_SECURITY_POLICY);
});
