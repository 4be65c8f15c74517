import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenant, json, type TestTenant } from "./helpers";

/** Admission control seen through the HTTP API (DESIGN.md sections 2-4). */

const oneSlot = { maxConcurrency: 1, minConcurrency: 1, rateLimit: { requests: 100_000, windowMs: 60_000, burst: 100_000 } };

const countTasks = async (tenantId: string, title?: string) =>
  (
    await env.DB.prepare(`SELECT count(*) AS n FROM tasks WHERE tenant_id = ?${title ? " AND title = ?" : ""}`)
      .bind(...(title ? [tenantId, title] : [tenantId]))
      .first<{ n: number }>()
  )?.n ?? 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds the tenant's only slot for `ms` with a slow admitted request. */
function holdSlot(tenant: TestTenant, ms: number): Promise<Response> {
  return call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-fault-delay-ms": String(ms), "x-priority": "critical" } });
}

describe("admission over HTTP", () => {
  it("a tenant's admission document holds every field of DESIGN.md section 4 before its first request", async () => {
    const tenant = await createTenant({ maxConcurrency: 7, minConcurrency: 2, rateLimit: { requests: 30, windowMs: 60_000, burst: 12 } });
    const state = await json<Record<string, unknown>>(await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }));
    expect(state).toMatchObject({
      inflight: 0,
      queued: { critical: 0, high: 0, normal: 0, low: 0 },
      tokens: 12,
      loadLevel: "normal",
      decisions: { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 },
      shards: 1,
      leases: { active: 0, tokens: 0, slots: 0 },
    });
    expect(state.limit).toBeGreaterThanOrEqual(2);
    expect(state.limit).toBeLessThanOrEqual(7);
    expect("share" in state).toBe(true);
  });

  it("60 concurrent requests against burst 20 admit at most 20, the rest get 429 with Retry-After; leased tokens come back", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 20, windowMs: 60_000, burst: 20 } });
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: `t${i}` } })),
    );
    const statuses = responses.map((r) => r.status);
    const first = statuses.filter((s) => s === 201).length;
    expect(first).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - first);
    // A lease this isolate was given parks a few tokens; it gives them back once it goes quiet.
    await sleep(1200);
    let later = 0;
    for (let i = 0; i < 10; i++) if ((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: `late${i}` } })).status === 201) later++;
    expect(first + later).toBe(20);
    expect(await countTasks(tenant.id)).toBe(20);
    const rejected = responses.find((r) => r.status === 429);
    expect(Number(rejected?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(rejected?.headers.get("ratelimit-policy")).toBe('"default";q=20;w=60');
    expect(rejected?.headers.get("ratelimit")).toMatch(/^"default";r=0;t=\d+$/);
    expect(rejected?.headers.get("content-type")).toContain("application/problem+json");
  });

  it("sends RateLimit headers on admitted responses", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 100, windowMs: 60_000, burst: 50 } });
    const res = await call("GET", "/v1/tasks", { token: tenant.apiKey });
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-policy")).toBe('"default";q=50;w=60');
    expect(res.headers.get("ratelimit")).toMatch(/^"default";r=49;t=\d+$/);
  });

  it("a critical request arriving behind queued low ones is served first", async () => {
    const tenant = await createTenant(oneSlot);
    const finished: string[] = [];
    const track = (name: string, p: Promise<Response>) => p.then((r) => (finished.push(name), r));
    const holder = holdSlot(tenant, 300);
    await sleep(50);
    const lows = [1, 2, 3].map((i) => track(`low${i}`, call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "low" } })));
    await sleep(30);
    const critical = track("critical", call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "critical" } }));
    const all = await Promise.all([holder, critical, ...lows]);
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(finished[0]).toBe("critical");
  });

  it("a full queue: a higher-priority arrival evicts the newest lowest waiter (503), a low arrival is refused at once", async () => {
    const tenant = await createTenant({ ...oneSlot, queueSize: 2 });
    const holder = holdSlot(tenant, 400);
    await sleep(50);
    const low1 = call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "low" } });
    await sleep(20);
    const low2 = call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "low" } });
    await sleep(20);
    const started = Date.now();
    const refused = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "low" } });
    expect(refused.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(200);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const high = call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "high" } });
    const [h, l1, l2, hi] = await Promise.all([holder, low1, low2, high]);
    expect(h.status).toBe(200);
    expect(hi.status).toBe(200);
    expect(l1.status).toBe(200);
    expect(l2.status).toBe(503);
    expect(await json(l2)).toMatchObject({ reason: "queue_full", reasonDetail: "evicted" });
  });

  it("a queued POST whose deadline passes gets 503 and never writes its row", async () => {
    const tenant = await createTenant(oneSlot);
    const holder = holdSlot(tenant, 400);
    await sleep(50);
    const expired = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "too-late" }, headers: { "x-request-timeout-ms": "100" } });
    expect(expired.status).toBe(503);
    expect((await json(expired)).reason).toBe("deadline");
    await holder;
    await sleep(100);
    expect(await countTasks(tenant.id, "too-late")).toBe(0);
  });

  it("a flooded tenant does not slow another tenant", async () => {
    const flooded = await createTenant({ ...oneSlot, queueSize: 50 });
    const quiet = await createTenant(oneSlot);
    const flood = Array.from({ length: 30 }, () => call("GET", "/v1/tasks", { token: flooded.apiKey, headers: { "x-fault-delay-ms": "20" } }));
    await sleep(30);
    const started = Date.now();
    const res = await call("GET", "/v1/tasks", { token: quiet.apiKey });
    const quietMs = Date.now() - started;
    expect(res.status).toBe(200);
    await Promise.all(flood);
    // The flood holds its tenant's single slot for ~600 ms in total; the quiet tenant must not wait for it.
    expect(quietMs).toBeLessThan(200);
  });

  it("a new quota applies at once, and the live admission state is readable", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1000, windowMs: 60_000, burst: 1000 } });
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    const put = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { rateLimit: { requests: 1, windowMs: 60_000, burst: 5 }, routeCosts: { "GET /v1/tasks": 5 } } });
    expect(put.status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);

    const state = await json(await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }));
    expect(state).toMatchObject({
      limit: expect.any(Number),
      inflight: expect.any(Number),
      queued: { critical: 0, high: 0, normal: 0, low: 0 },
      tokens: expect.any(Number),
      loadLevel: expect.stringMatching(/^(normal|elevated|overloaded)$/),
      decisions: expect.objectContaining({ admitted: expect.any(Number), rate_limited: expect.any(Number) }),
    });
    expect((state as { decisions: { rate_limited: number } }).decisions.rate_limited).toBeGreaterThanOrEqual(2);
  });

  it("priority is capped at the tenant's maxPriority", async () => {
    const tenant = await createTenant({ ...oneSlot, maxPriority: "normal" });
    const holder = holdSlot(tenant, 300); // asks critical, gets normal
    await sleep(50);
    const finished: string[] = [];
    const normal = call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "normal" } }).then((r) => (finished.push("normal"), r));
    await sleep(20);
    const fakeCritical = call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "critical" } }).then((r) => (finished.push("capped"), r));
    await Promise.all([holder, normal, fakeCritical]);
    // Capped to normal, it cannot jump the normal request queued before it.
    expect(finished).toEqual(["normal", "capped"]);
  });
});
