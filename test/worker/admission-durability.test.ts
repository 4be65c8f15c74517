import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEASE_MARGIN_MS } from "../../durable-objects/admission/admission-core";
import type { AcquireRequest, AcquireResult, Grant, Quota } from "../../durable-objects/admission/contract";
import { SCHEMA_VERSION } from "../../durable-objects/admission/storage-schema";

function quota(overrides: Partial<Quota> = {}): Quota {
  return {
    rateLimit: { requests: 1, windowMs: 3_600_000, burst: 10 },
    maxConcurrency: 10,
    minConcurrency: 1,
    queueSize: 10,
    timeoutMs: 30_000,
    maxPriority: "critical",
    routeCosts: {},
    ...overrides,
  };
}

function controller() {
  return env.ADMISSION.get(env.ADMISSION.idFromName(`admission-durability-${crypto.randomUUID()}`));
}

function req(overrides: Partial<AcquireRequest> = {}): AcquireRequest {
  return { priority: "normal", cost: 1, deadline: Date.now() + 10_000, route: "GET /v1/tasks", ...overrides };
}

function asGrant(result: AcquireResult): Grant {
  if (!result.granted) throw new Error(`expected a grant, got ${result.reason}`);
  return result;
}

const ok = { latencyMs: 5, outcome: "success" } as const;

describe("AdmissionController durability", () => {
  it("keeps the bucket level across an eviction: no fresh burst", async () => {
    const stub = controller();
    await stub.configure(quota());
    for (let i = 0; i < 7; i++) await stub.release(asGrant(await stub.acquire(req())).ticket, ok);
    expect((await stub.state()).tokens).toBeCloseTo(3, 1);

    await evictDurableObject(stub);
    const state = await stub.state();
    expect(state.tokens).toBeCloseTo(3, 1);
    expect(state.decisions.admitted).toBe(0); // counters are per instance: this is a new one

    const results = await Promise.all(Array.from({ length: 5 }, () => stub.acquire(req())));
    expect(results.filter((r) => r.granted)).toHaveLength(3);
  });

  it("keeps the quota and the learned limit across an eviction", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 3, limitAlgorithm: "aimd" }));
    const before = await stub.state();
    await evictDurableObject(stub);
    expect(await stub.state()).toMatchObject({ configured: true, limit: before.limit, limitAlgorithm: "aimd", quota: { maxConcurrency: 3 } });
  });

  it("keeps open leases across an eviction, so their slots stay taken until released", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const grant = asGrant(await stub.acquire(req()));
    await evictDurableObject(stub);
    expect((await stub.state()).inflight).toBe(1);
    expect(await stub.acquire(req({ deadline: Date.now() + 30 }))).toMatchObject({ granted: false, reason: "deadline" });
    await stub.release(grant.ticket, ok);
    expect((await stub.state()).inflight).toBe(0);
  });

  it("reclaims a grant whose release never comes when its lease expires (alarm)", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const grant = asGrant(await stub.acquire(req({ deadline: Date.now() + 50 })));
    expect(grant.leaseMs).toBeLessThanOrEqual(50 + LEASE_MARGIN_MS);

    // An alarm before the lease expires reclaims nothing and stays armed.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.state()).inflight).toBe(1);

    // Past the lease the scheduled alarm may already have fired on its own; if not, fire it.
    await new Promise((resolve) => setTimeout(resolve, grant.leaseMs + 20));
    await runDurableObjectAlarm(stub);
    expect((await stub.state()).inflight).toBe(0);
    // Nothing left to reclaim: no alarm is scheduled.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    // The late release is harmless.
    await stub.release(grant.ticket, ok);
    expect((await stub.state()).inflight).toBe(0);
  });

  it("schedules the alarm only while leases are open", async () => {
    const stub = controller();
    await stub.configure(quota());
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
    const grant = asGrant(await stub.acquire(req()));
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(Math.abs((alarm ?? 0) - (Date.now() + grant.leaseMs))).toBeLessThan(100);
    await stub.release(grant.ticket, ok);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
  });

  it("stores its schema version and persists budgets in SQLite", async () => {
    const stub = controller();
    await stub.configure(quota());
    await stub.acquire(req({ cost: 4 }));
    const rows = await runInDurableObject(stub, (_instance, state) => ({
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
      tokens: state.storage.sql.exec<{ bucket_tokens: number }>("SELECT bucket_tokens FROM budget").one().bucket_tokens,
      leases: state.storage.sql.exec("SELECT ticket FROM leases").toArray().length,
    }));
    expect(rows.version).toBe(SCHEMA_VERSION);
    expect(rows.tokens).toBeCloseTo(6, 1);
    expect(rows.leases).toBe(1);
  });
});
