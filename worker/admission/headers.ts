import type { RateLimitInfo } from "../../durable-objects/contracts/admission";

/**
 * IETF httpapi ratelimit-headers draft: `RateLimit-Policy: "default";q=100;w=60` describes the
 * bucket, `RateLimit: "default";r=42;t=17` its state (remaining units, seconds until full).
 */
export function rateLimitHeaders(info: RateLimitInfo): Record<string, string> {
  return {
    "ratelimit-policy": `"default";q=${info.quota};w=${info.windowSeconds}`,
    ratelimit: `"default";r=${Math.max(0, Math.floor(info.remaining))};t=${Math.max(0, Math.ceil(info.resetSeconds))}`,
  };
}

/** Retry-After is whole seconds; round up so a client that obeys it is never early. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
