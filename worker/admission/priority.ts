import { REQUEST_PRIORITIES, type RequestPriority } from "../../durable-objects/admission/contract";

/**
 * Request priority (DESIGN.md section 2): `X-Priority: critical|high|normal|low`, or RFC 9218
 * `Priority: u=N` (0-1 critical, 2 high, 3-4 normal, 5-7 low), else the route's default;
 * never above the tenant's `maxPriority`. Pure: no Workers API.
 */

const RANK: Record<RequestPriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** Default request priority per route template (the table in README.md). */
export const ROUTE_PRIORITIES: Readonly<Record<string, RequestPriority>> = {
  "POST /v1/tasks": "high",
  "PATCH /v1/tasks/:id": "high",
  "DELETE /v1/tasks/:id": "high",
  "GET /v1/tasks/:id": "high",
  "GET /v1/tasks": "normal",
  "POST /v1/users": "normal",
  "PATCH /v1/users/:id": "normal",
  "DELETE /v1/users/:id": "normal",
  "GET /v1/users": "normal",
  "GET /v1/users/:id": "normal",
  "GET /v1/tasks/stats": "low",
  "POST /v1/tasks/batch": "low",
};

export const DEFAULT_PRIORITY: RequestPriority = "normal";

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
export function requestPriority(headers: PriorityHeaders, routeKey: string, maxPriority: RequestPriority): RequestPriority {
  const asked = fromXPriority(headers.xPriority) ?? fromUrgency(headers.priority) ?? ROUTE_PRIORITIES[routeKey] ?? DEFAULT_PRIORITY;
  return isHigher(asked, maxPriority) ? maxPriority : asked;
}
