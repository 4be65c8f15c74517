import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PERSIST_DELAY_MS } from "../../durable-objects/admission-controller";
import { LEASE_MARGIN_MS } from "../../durable-objects/admission/admission-core";
import type { AcquireRequest, AcquireResult, Grant, Quota } from "../../durable-objects/contracts/admission";
import { BUDGET_KEY, LEASE_PREFIX, QUOTA_KEY, SCHEMA_VERSION, type StoredBudget } from "../../durable-objects/admission/storage-schema";
import { testQuota } from "../unit/admission/support";

function quota(overrides: Partial<Quota> = {}): Quota {
  return testQuota({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 10 }, maxConcurrency: 10, queueSize: 10, ...overrides });
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

/** Evicts once the object's written-behind changes have been flushed (what survives a crash is as of its last flush). */
async function evictAfterFlush(stub: Parameters<typeof evictDurableObject>[0]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, PERSIST_DELAY_MS + 30));
  await evictDurableObject(stub);
}

describe("AdmissionController durability", () => {
  it("keeps the bucket level across an eviction: no fresh burst", async () => {
    const stub = controller();
    await stub.configure(quota());
    for (let i = 0; i < 7; i++) await stub.release(asGrant(await stub.acquire(req())).ticket, ok);
    expect((await stub.state()).tokens).toBeCloseTo(3, 1);

    await evictAfterFlush(stub);
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
    await evictAfterFlush(stub);
    expect(await stub.state()).toMatchObject({ configured: true, limit: before.limit, limitAlgorithm: "aimd", quota: { maxConcurrency: 3 } });
  });

  it("keeps a limit it learned from drops, its RTTs and service time across an eviction", async () => {
    const stub = controller();
    await stub.configure(quota({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 100 }, maxConcurrency: 40, limitAlgorithm: "aimd" }));
    const initial = (await stub.state()).limit;
    for (let i = 0; i < 3; i++) await stub.release(asGrant(await stub.acquire(req())).ticket, { latencyMs: 5, outcome: "error" });
    const learned = await stub.state();
    expect(learned.limit).toBeLessThan(initial);
    await evictAfterFlush(stub);
    expect(await stub.state()).toMatchObject({ limit: learned.limit, serviceTimeMs: learned.serviceTimeMs });

    const g = controller();
    await g.configure(quota({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 100 } }));
    for (let i = 0; i < 5; i++) await g.release(asGrant(await g.acquire(req())).ticket, { latencyMs: 7 + i, outcome: "success" });
    const warm = await g.state();
    expect(warm.rtt?.shortMs).not.toBeNull();
    expect(warm.serviceTimeMs).not.toBeNull();
    await evictAfterFlush(g);
    expect(await g.state()).toMatchObject({ limit: warm.limit, rtt: warm.rtt, serviceTimeMs: warm.serviceTimeMs, tokens: expect.closeTo(warm.tokens, 1) });
  });

  it("keeps open leases across an eviction, so their slots stay taken until released", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const grant = asGrant(await stub.acquire(req()));
    await evictAfterFlush(stub);
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

  it("arms the alarm for the earliest lease and never deletes it on the hot path; a stray alarm is harmless", async () => {
    const stub = controller();
    const alarm = () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    await stub.configure(quota());
    expect(await alarm()).toBeNull();
    const first = asGrant(await stub.acquire(req()));
    const armed = await alarm();
    expect(Math.abs((armed ?? 0) - (Date.now() + first.leaseMs))).toBeLessThan(100);
    // A later lease leaves the alarm alone; an earlier one brings it forward.
    const later = asGrant(await stub.acquire(req({ deadline: Date.now() + 20_000 })));
    expect(await alarm()).toBe(armed);
    const earlier = asGrant(await stub.acquire(req({ deadline: Date.now() + 5_000 })));
    const forward = await alarm();
    expect(forward).toBeLessThan(armed ?? 0);

    for (const grant of [first, later, earlier]) await stub.release(grant.ticket, ok);
    // Released: the alarm stays pending (no deleteAlarm per release) ...
    expect(await alarm()).toBe(forward);
    const before = await stub.state();
    // ... and when it fires it finds nothing, changes nothing and does not re-arm.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.state()).toMatchObject({ inflight: 0, limit: before.limit, decisions: before.decisions });
    expect(await alarm()).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    // The next grant arms it again.
    const again = asGrant(await stub.acquire(req()));
    expect(await alarm()).not.toBeNull();
    await stub.release(again.ticket, ok);
  });

  it("re-arms the alarm for leases restored without one", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const grantedAt = Date.now();
    // A lease that outlives the eviction (which waits for the object's lag probe to stop).
    const grant = asGrant(await stub.acquire(req({ deadline: Date.now() + 1000 })));
    await runInDurableObject(stub, (_instance, state) => state.storage.deleteAlarm());
    await evictAfterFlush(stub);
    expect((await stub.state()).inflight).toBe(1);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    // Armed for the lease's own expiry (the eviction itself may take a while: the object finishes its timers).
    expect(Math.abs((alarm ?? 0) - (grantedAt + grant.leaseMs))).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, grant.leaseMs + 20));
    await runDurableObjectAlarm(stub);
    expect((await stub.state()).inflight).toBe(0);
  });

  it("stores its schema version, drops the version 1 tables and keeps the state in KV keys", async () => {
    const stub = controller();
    await stub.configure(quota());
    const held = asGrant(await stub.acquire(req({ cost: 4 })));
    const released = asGrant(await stub.acquire(req()));
    await stub.release(released.ticket, ok);
    await new Promise((resolve) => setTimeout(resolve, PERSIST_DELAY_MS + 30)); // written behind
    const stored = await runInDurableObject(stub, async (_instance, state) => ({
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
      tables: state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('quota', 'budget', 'leases')")
        .toArray()
        .map((r) => r.name),
      quota: await state.storage.get<Quota>(QUOTA_KEY),
      budget: await state.storage.get<StoredBudget>(BUDGET_KEY),
      leases: [...(await state.storage.list({ prefix: LEASE_PREFIX })).keys()],
    }));
    expect(stored.version).toBe(SCHEMA_VERSION);
    expect(stored.tables).toEqual([]);
    expect(stored.quota).toEqual(quota());
    expect(stored.budget?.bucket.tokens).toBeCloseTo(5, 1);
    expect(stored.budget?.service.serviceMs).not.toBeNull();
    expect(stored.leases).toEqual([`${LEASE_PREFIX}${held.ticket}`]);
  });
});
