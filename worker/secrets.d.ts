// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
declare namespace Cloudflare {
  interface Env {
    /** Bearer token for /admin/*, /metrics and the dashboard. Locally in .dev.vars. */
    ADMIN_TOKEN: string;
  }
}
