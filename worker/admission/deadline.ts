import { ApiError } from "../errors";

/**
 * The request's absolute deadline: the tenant's `timeoutMs`, or a smaller client budget from
 * `X-Request-Timeout-Ms` (a larger one is capped, as DESIGN.md section 2 says).
 */
export function requestDeadline(now: number, tenantTimeoutMs: number, header: string | undefined): number {
  if (header === undefined) return now + tenantTimeoutMs;
  const asked = Number(header);
  if (!validRequestTimeout(header)) {
    throw new ApiError("invalid_input", "X-Request-Timeout-Ms must be a positive integer of milliseconds", {
      errors: [{ path: "header.x-request-timeout-ms", message: "must be a positive integer" }],
    });
  }
  return now + Math.min(asked, tenantTimeoutMs);
}

/** Whether an `X-Request-Timeout-Ms` value is one requestDeadline accepts (absent is). */
export function validRequestTimeout(header: string | undefined): boolean {
  if (header === undefined) return true;
  const asked = Number(header);
  return Number.isInteger(asked) && asked >= 1;
}
