import { REQUEST_PRIORITIES, type AcquireRequest, type LimitAlgorithm, type Quota, type RequestPriority } from "../contracts/admission";
import { DEFAULT_LIMIT_ALGORITHM } from "./limit-factory";
import { priorityRank } from "./priority-queue";

/**
 * Sanity checks on what crosses the RPC boundary. The Worker validates quotas with zod
 * first; these only stop a programming error from turning into NaN budgets inside the DO.
 */
export function assertValidQuota(quota: Quota): void {
  const { rateLimit } = quota;
  for (const [name, value] of [
    ["rateLimit.requests", rateLimit.requests],
    ["rateLimit.windowMs", rateLimit.windowMs],
    ["rateLimit.burst", rateLimit.burst],
    ["timeoutMs", quota.timeoutMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`quota.${name} must be a positive number, got ${value}`);
  }
  if (!Number.isInteger(quota.minConcurrency) || quota.minConcurrency < 1) throw new RangeError(`quota.minConcurrency must be an integer >= 1, got ${quota.minConcurrency}`);
  if (!Number.isInteger(quota.maxConcurrency) || quota.maxConcurrency < quota.minConcurrency) {
    throw new RangeError(`quota.maxConcurrency must be an integer >= minConcurrency, got ${quota.maxConcurrency}`);
  }
  if (!Number.isInteger(quota.queueSize) || quota.queueSize < 0) throw new RangeError(`quota.queueSize must be an integer >= 0, got ${quota.queueSize}`);
  if (quota.weight !== undefined && !(Number.isFinite(quota.weight) && quota.weight > 0)) throw new RangeError(`quota.weight must be a positive number, got ${quota.weight}`);
  if (!REQUEST_PRIORITIES.includes(quota.maxPriority)) throw new RangeError(`quota.maxPriority must be one of ${REQUEST_PRIORITIES.join(", ")}`);
}

export function assertValidRequest(req: AcquireRequest): void {
  if (!REQUEST_PRIORITIES.includes(req.priority)) throw new RangeError(`priority must be one of ${REQUEST_PRIORITIES.join(", ")}, got ${String(req.priority)}`);
  if (!Number.isFinite(req.cost) || req.cost < 0) throw new RangeError(`cost must be a finite number >= 0, got ${req.cost}`);
  if (!Number.isFinite(req.deadline)) throw new RangeError(`deadline must be epoch milliseconds, got ${req.deadline}`);
}

/** Defence in depth: the Worker caps priority at maxPriority, and so does the controller. */
export function capPriority(priority: RequestPriority, maxPriority: RequestPriority): RequestPriority {
  return priorityRank(priority) < priorityRank(maxPriority) ? maxPriority : priority;
}

export function limitAlgorithmOf(quota: Quota): LimitAlgorithm {
  return quota.limitAlgorithm ?? DEFAULT_LIMIT_ALGORITHM;
}
