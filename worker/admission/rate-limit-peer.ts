import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";

/**
 * `simple.period` of the TENANT_RATE_LIMIT binding in wrangler.toml (a unit test holds them
 * equal). The binding answers only yes or no, so its period is the longest a refused client
 * can have to wait, and that is its Retry-After.
 */
export const RATE_LIMIT_BINDING_PERIOD_S = 10;

/**
 * The benchmark's peer (ADMISSION_CONTROL=rate-limit-binding): what a user would configure
 * instead of admission control, the Workers Rate Limiting binding keyed by tenant. One call to
 * the binding, then the work or a 429; no controller, no priorities, costs, queue or deadline.
 * It runs where the controller's acquire would (after the route's validators), so invalid
 * input spends no budget in either mode.
 */
export async function runRateLimited(c: Context<AppEnv>, work: () => Promise<Response>): Promise<Response> {
  const tenantId = c.get("tenant").id;
  const asked = performance.now();
  let allowed: boolean;
  try {
    ({ success: allowed } = await c.env.TENANT_RATE_LIMIT.limit({ key: tenantId }));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", event: "rate_limit_binding_call_failed", tenant: tenantId, error: String(err) }));
    // Fail closed and fast, as a failed controller call does.
    throw new ApiError("overloaded", "Rate limiting is momentarily unavailable", { headers: { "retry-after": "1" }, extensions: { reason: "unavailable" } });
  }
  c.get("timings").queueMs = performance.now() - asked;
  if (!allowed) {
    c.set("refusal", "rate_limited");
    throw new ApiError("rate_limited", "The tenant is over its rate limit; retry after the time in Retry-After", {
      headers: { "retry-after": String(RATE_LIMIT_BINDING_PERIOD_S) },
      extensions: { reason: "rate_limited", retryAfterMs: RATE_LIMIT_BINDING_PERIOD_S * 1000, decidedBy: "rate-limit-binding" },
    });
  }
  return work();
}
