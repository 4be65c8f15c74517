import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTask, createTenant, json } from "./helpers";

/**
 * Under load (one slot, held by a slow request, others queued) the controller reports
 * `elevated` or worse, and named features give way, each marked with X-Degraded.
 */
const oneSlot = { maxConcurrency: 1, minConcurrency: 1, rateLimit: { requests: 100_000, windowMs: 60_000, burst: 100_000 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function underLoad<T>(apiKey: string, run: () => Promise<T>): Promise<T> {
  const holder = call("GET", "/v1/tasks", { token: apiKey, headers: { "x-fault-delay-ms": "200", "x-priority": "critical" } });
  await sleep(40);
  const result = await run();
  await holder;
  return result;
}

/**
 * A standing queue: the slot is held while a waiter ages past 4 service times (the 100 ms
 * fallback of a new tenant), until a low request is refused as overloaded, which tells this
 * isolate. `run` goes while the queue still stands.
 */
async function overloaded<T>(apiKey: string, run: () => Promise<T>): Promise<T> {
  // Held long enough for the probes below on a loaded machine (the queue must still stand when `run` goes).
  const holder = call("GET", "/v1/tasks", { token: apiKey, headers: { "x-fault-delay-ms": "6000", "x-priority": "critical" } });
  await sleep(40);
  const waiter = call("GET", "/v1/tasks?limit=1", { token: apiKey, headers: { "x-priority": "high" } });
  // Probe with short deadlines until the controller refuses a low request as overloaded.
  let overloadedSeen = false;
  for (let i = 0; i < 50 && !overloadedSeen; i++) {
    await sleep(100);
    const probe = await call("GET", "/v1/tasks?limit=1", { token: apiKey, headers: { "x-priority": "low", "x-request-timeout-ms": "50" } });
    expect(probe.status).toBe(503);
    overloadedSeen = (await json<{ reasonDetail?: string }>(probe)).reasonDetail === "overloaded";
  }
  expect(overloadedSeen).toBe(true);
  const result = await run();
  await Promise.all([holder, waiter]);
  return result;
}

const decisions = async (tenantId: string) =>
  (await json<{ decisions: Record<string, number> }>(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }))).decisions;

describe("graceful degradation", { timeout: 20_000 }, () => {
  it("at normal load nothing is degraded", async () => {
    const tenant = await createTenant(oneSlot);
    const res = await call("GET", "/v1/tasks?limit=100&q=report", { token: tenant.apiKey, headers: { "x-priority": "low" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-degraded")).toBeNull();
  });

  it("caps page sizes", async () => {
    const tenant = await createTenant(oneSlot);
    for (let i = 0; i < 30; i++) await createTask(tenant, { title: `t${i}` });
    const res = await underLoad(tenant.apiKey, () => call("GET", "/v1/tasks?limit=100", { token: tenant.apiKey }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-degraded")).toBe("page-size");
    const page = await json<{ data: unknown[]; nextCursor: string | null }>(res);
    expect(page.data.length).toBeLessThanOrEqual(25);
    expect(page.nextCursor).not.toBeNull();
  });

  it("serves stats from a recent snapshot", async () => {
    const tenant = await createTenant(oneSlot);
    await createTask(tenant);
    const fresh = await json<{ total: number; asOf: string }>(await call("GET", "/v1/tasks/stats", { token: tenant.apiKey }));
    await createTask(tenant);
    const res = await underLoad(tenant.apiKey, () => call("GET", "/v1/tasks/stats", { token: tenant.apiKey }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-degraded")).toBe("stats-snapshot");
    // It says how stale it may be: Age in whole seconds since it was last known current.
    expect(Number(res.headers.get("age"))).toBeGreaterThanOrEqual(0);
    expect(Number(res.headers.get("age"))).toBeLessThan(30);
    expect(await json(res)).toEqual(fresh);
    // A client holding that snapshot's ETag gets a 304 that still says it is degraded.
    const again = await underLoad(tenant.apiKey, () => call("GET", "/v1/tasks/stats", { token: tenant.apiKey, headers: { "if-none-match": res.headers.get("etag")! } }));
    expect(again.status).toBe(304);
    expect(again.headers.get("x-degraded")).toBe("stats-snapshot");
    expect(again.headers.get("age")).not.toBeNull();
  });

  it("while the tenant is known to be under load, serves a stats snapshot without asking the controller", async () => {
    const tenant = await createTenant(oneSlot);
    await createTask(tenant);
    const fresh = await json(await call("GET", "/v1/tasks/stats", { token: tenant.apiKey }));
    // A request that waits for the held slot comes back with the load level: this isolate now knows.
    const queued = await underLoad(tenant.apiKey, () => call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey }));
    expect(queued.status).toBe(200);
    const before = await decisions(tenant.id);

    const stats = await call("GET", "/v1/tasks/stats", { token: tenant.apiKey });
    expect(stats.status).toBe(200);
    expect(stats.headers.get("x-degraded")).toBe("stats-snapshot");
    expect(await json(stats)).toEqual(fresh);
    // It did not ask the controller: no decision was counted.
    expect(await decisions(tenant.id)).toEqual(before);
  });

  it("at elevated load, serves a low text search with the capped page", async () => {
    const tenant = await createTenant(oneSlot);
    const low = await underLoad(tenant.apiKey, () => call("GET", "/v1/tasks?q=report&limit=100", { token: tenant.apiKey, headers: { "x-priority": "low" } }));
    expect(low.status).toBe(200);
    expect(low.headers.get("x-degraded")).toBe("page-size");
  });

  it("once a queue stands (overloaded), refuses a low text search without asking the controller, and serves a normal one", async () => {
    const tenant = await createTenant(oneSlot);
    await overloaded(tenant.apiKey, async () => {
      const before = await decisions(tenant.id);
      const low = await call("GET", "/v1/tasks?q=report", { token: tenant.apiKey, headers: { "x-priority": "low" } });
      expect(low.status).toBe(503);
      expect(low.headers.get("x-degraded")).toBe("search");
      expect(low.headers.get("retry-after")).not.toBeNull();
      expect(await json(low)).toMatchObject({ reason: "shed", reasonDetail: "search_paused", retryAfterMs: 5000 });
      expect(await decisions(tenant.id)).toEqual(before);
      const normal = await call("GET", "/v1/tasks?q=report", { token: tenant.apiKey, headers: { "x-priority": "normal" } });
      expect(normal.status).toBe(200);
    });
  });
});
