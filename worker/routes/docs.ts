import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/**
 * /docs: Swagger UI reading /openapi.json, all from this origin. The viewer's files are
 * Workers static assets (public/docs, its vendor/ copied from the swagger-ui-dist package by
 * scripts/copy-docs-viewer.mjs), so the page needs no network and runs under a CSP that
 * allows nothing but this origin: no inline script, no inline style sheet, no eval.
 */
export const docsApp = new Hono<AppEnv>();

const VIEWER_ASSETS = "/docs/vendor/swagger-ui";

/** Everything the page loads comes from this origin; no inline code, no eval. */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function docsPage(specUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TaskFlow Edge API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${VIEWER_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>The raw OpenAPI document is at <a href="${specUrl}">${specUrl}</a>.</noscript>
<script src="${VIEWER_ASSETS}/swagger-ui-bundle.js" defer></script>
<script src="/docs/init.js" data-spec-url="${specUrl}" defer></script>
</body>
</html>`;
}

docsApp.get("/docs", (c) =>
  c.html(docsPage("/openapi.json"), 200, {
    "content-security-policy": DOCS_CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
  }),
);

/**
 * The viewer's files, from the ASSETS binding: the Worker runs first for every request
 * (`run_worker_first` in wrangler.toml), so API requests never wait for an asset lookup.
 */
docsApp.get("/docs/*", async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  // Not an asset: the same problem+json 404 as any unknown route.
  if (asset.status === 404) return c.notFound();
  // A fetched response's headers are immutable; the security-header middleware adds to them.
  return new Response(asset.body, asset);
});
