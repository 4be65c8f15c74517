import { REQUEST_PRIORITIES } from "../../durable-objects/contracts/admission";

/**
 * The headers of the admission step (DESIGN.md section 2) as OpenAPI components: request
 * headers every /v1 operation takes, and response headers of its 429 and 503 refusals.
 * Declared once here; routes and the document refer to them by `$ref`.
 */

export const ADMISSION_PARAMETERS = {
  XPriority: {
    name: "X-Priority",
    in: "header",
    required: false,
    description: "Request priority for admission control; capped at the tenant's `maxPriority`. Wins over `Priority` when both are sent.",
    schema: { type: "string", enum: [...REQUEST_PRIORITIES] },
  },
  Priority: {
    name: "Priority",
    in: "header",
    required: false,
    description: "RFC 9218 urgency: `u=0`–`u=1` critical, `u=2` high, `u=3`–`u=4` normal, `u=5`–`u=7` low; capped at the tenant's `maxPriority`.",
    schema: { type: "string", pattern: "u=[0-7]", examples: ["u=2"] },
  },
  XRequestTimeoutMs: {
    name: "X-Request-Timeout-Ms",
    in: "header",
    required: false,
    description: "The client's deadline in milliseconds, capped at the tenant's `timeoutMs`; a request that cannot be served in time is refused with 503.",
    schema: { type: "integer", minimum: 1, examples: [2000] },
  },
} as const;

export const ADMISSION_RESPONSE_HEADERS = {
  RetryAfter: {
    description: "Seconds to wait before retrying (RFC 9110), rounded up so a client that obeys it is never early.",
    schema: { type: "integer", minimum: 1 },
  },
  RateLimit: {
    description: 'The tenant\'s rate budget now (IETF httpapi ratelimit-headers draft): units remaining and seconds until the bucket is full, e.g. `"default";r=42;t=17`. Sent whenever the admission controller decided the request.',
    schema: { type: "string", examples: ['"default";r=0;t=17'] },
  },
  RateLimitPolicy: {
    description: 'The tenant\'s rate policy (IETF httpapi ratelimit-headers draft): quota units per window of seconds, e.g. `"default";q=100;w=60`.',
    schema: { type: "string", examples: ['"default";q=100;w=60'] },
  },
  AdmittedBy: {
    description: "`isolate-lease` when the request was admitted with budget the serving isolate holds, without asking the tenant's controller (README: Isolate leases); absent when the controller decided.",
    schema: { type: "string", enum: ["isolate-lease"] },
  },
} as const;

const ref = (kind: "parameters" | "headers", name: string) => ({ $ref: `#/components/${kind}/${name}` });

export const admissionParameterRefs = () => Object.keys(ADMISSION_PARAMETERS).map((name) => ref("parameters", name));

/** Response headers of a refusal by admission control. */
export const refusalHeaderRefs = () => ({
  "Retry-After": ref("headers", "RetryAfter"),
  RateLimit: ref("headers", "RateLimit"),
  "RateLimit-Policy": ref("headers", "RateLimitPolicy"),
});

export const retryAfterHeaderRef = () => ({ "Retry-After": ref("headers", "RetryAfter") });
