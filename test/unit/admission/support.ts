import { AdmissionCore, type AcquireOutcome } from "../../../durable-objects/admission/admission-core";
import type { AcquireRequest, Grant, Quota, RequestPriority } from "../../../durable-objects/contracts/admission";
import type { ShardLeaseRequest } from "../../../durable-objects/contracts/shards";

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

/** Shard 0's renewal: no lease, nothing held or reported but a demand of 100 acquires a second; override what a test is about. */
export function shardRequest(over: Partial<ShardLeaseRequest> = {}): ShardLeaseRequest {
  return { index: 0, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 100, callsPerSec: 0, samples: [], ...over };
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

/** A core at T0 on a test quota, its tickets numbered t1, t2, ... so tests can name them. */
export function testCore(quota: Partial<Quota> = {}, extra: Partial<ConstructorParameters<typeof AdmissionCore>[0]> = {}): AdmissionCore {
  let n = 0;
  return new AdmissionCore({ quota: testQuota(quota), now: T0, newTicket: () => `t${++n}`, ...extra });
}

/** The grant, or a thrown error naming what came instead. */
export function granted(outcome: AcquireOutcome): Grant {
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/**
 * An isolate reporting `running` requests and, in `reports` renewals of its (drain) lease, one
 * latency sample each: the limiter learns one sample per report (AdmissionCore.learnFromReport).
 */
export function reportRunning(c: AdmissionCore, reports: number, running: number, latencyMs: number, now = T0): void {
  let leaseId = "reclaimed";
  for (let i = 0; i < reports; i++) {
    const renewal = c.renewIsolateLease(leaseId, { usedTokens: 0, inflight: running, running, demandRps: 0 }, [{ latencyMs, outcome: "success" }], now);
    if (!renewal.lease) throw new Error("expected a drain lease for the running requests");
    leaseId = renewal.lease.id;
  }
}

/**
 * Requests granted and released one by one at the controller while it runs as many as its
 * limit allows, each taking `latencyMs` (saturated samples, as a no-load probe needs), until
 * `releases` were released or a probe has just begun (the limit under the learned one).
 * Returns the tickets still held. The quota needs the tokens (one per grant).
 */
export function releaseUntilProbe(c: AdmissionCore, releases: number, latencyMs: number, now = T0): string[] {
  const held: string[] = [];
  for (let released = 0; released < releases && c.limit === c.settledLimit; ) {
    if (c.inflight < c.limit) {
      held.push(granted(c.acquire(request("normal", now), now)).ticket);
      continue;
    }
    c.release(held.shift()!, { latencyMs, outcome: "success" }, now);
    released++;
  }
  return held;
}
