import { REQUEST_PRIORITIES, type RequestPriority } from "../../durable-objects/contracts/admission";
import { capPriority } from "../../durable-objects/admission/quota-rules";

/**
 * Request priority (DESIGN.md section 2): `X-Priority: critical|high|normal|low`, or RFC 9218
 * `Priority: u=N` (0-1 critical, 2 high, 3-4 normal, 5-7 low), else the route's declared default;
 * never above the tenant's `maxPriority`. Pure: no Workers API.
 */

const RANK: Record<RequestPriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

function fromUrgency(header: string | undefined): RequestPriority | undefined {
  // RFC 9218 structured field dictionary; only the `u` member matters here.
  const match = header?.match(/(?:^|[,\s])u\s*=\s*([0-7])(?:\s*(?:[,;]|$))/);
  if (!match) return undefined;
  const urgency = Number(match[1]);
  if (urgency <= 1) return "critical";
  if (urgency === 2) return "high";
  if (urgency <= 4) return "normal";
  return "low";
}

function fromXPriority(header: string | undefined): RequestPriority | undefined {
  const value = header?.trim().toLowerCase();
  return REQUEST_PRIORITIES.find((p) => p === value);
}

export function isHigher(a: RequestPriority, b: RequestPriority): boolean {
  return RANK[a] < RANK[b];
}

export interface PriorityHeaders {
  xPriority?: string | undefined;
  priority?: string | undefined;
}

/**
 * The request's priority. Unknown header values fall back to the route default rather than
 * failing the request: a priority hint is advice, not input that can be "invalid".
 */
export function requestPriority(headers: PriorityHeaders, routeDefault: RequestPriority, maxPriority: RequestPriority): RequestPriority {
  const asked = fromXPriority(headers.xPriority) ?? fromUrgency(headers.priority) ?? routeDefault;
  return capPriority(asked, maxPriority);
}
