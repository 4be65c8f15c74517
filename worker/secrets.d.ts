// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface SecretBindings {
  /** Bearer token for /admin/*, /metrics and the dashboard's data. Locally in .dev.vars. */
  ADMIN_TOKEN: string;
}
interface Env extends SecretBindings {}
declare namespace Cloudflare {
  interface Env extends SecretBindings {}
}
