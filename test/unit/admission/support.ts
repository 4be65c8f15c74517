import type { AcquireRequest, Quota, RequestPriority } from "../../../durable-objects/contracts/admission";

/** A quota with test-sized numbers; override what a test is about. */
export function testQuota(overrides: Partial<Quota> = {}): Quota {
  return {
    rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 },
    maxConcurrency: 2,
    minConcurrency: 1,
    queueSize: 10,
    timeoutMs: 30_000,
    maxPriority: "critical",
    routeCosts: {},
    ...overrides,
  };
}

export const T0 = 1_700_000_000_000;

export function request(priority: RequestPriority, now: number, overrides: Partial<AcquireRequest> = {}): AcquireRequest {
  return { priority, cost: 1, deadline: now + 10_000, route: "GET /v1/tasks", ...overrides };
}

/** Lets pending promise callbacks run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A seeded xorshift32 generator in [0, 1): simulations replay exactly from their fast-check seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
