import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { isolateRecorder, monitorSender } from "../../worker/telemetry/isolate-telemetry";
import { configOf } from "../../worker/config";
import { ADMIN_TOKEN, call, createTenant, generousQuota, json, workerWith, type TestTenant } from "./helpers";

/**
 * The cache knobs through the whole Worker. Each test runs the Worker with its own vars: the
 * isolate's caches follow the config of the request in hand, as they follow wrangler.toml's.
 */
async function revokeInD1(tenant: TestTenant): Promise<void> {
  // Straight in the database: no isolate hears of it, only a fresh key lookup sees it.
  await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), tenant.apiKeyId).run();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const oneSlot = { maxConcurrency: 1, minConcurrency: 1, rateLimit: { requests: 100_000, windowMs: 60_000, burst: 100_000 } };

/** Stats while one slow critical request holds the tenant's only slot: the controller reports load. */
async function statsUnderLoad(fetch: ReturnType<typeof workerWith>, apiKey: string): Promise<Response> {
  const holder = fetch("GET", "/v1/tasks", { token: apiKey, headers: { "x-fault-delay-ms": "200", "x-priority": "critical" } });
  await sleep(40);
  const res = await fetch("GET", "/v1/tasks/stats", { token: apiKey });
  expect((await holder).status).toBe(200);
  return res;
}

/** Sends what this isolate's recorder holds to the Monitor now, whatever the flush interval says. */
async function flushTelemetry(): Promise<void> {
  const batch = isolateRecorder(configOf(env)).takeBatch(Date.now());
  if (batch) await monitorSender(env)(batch);
}

type Families = { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];

async function cacheCounters(cache: string): Promise<{ hit: number; miss: number; evictions: number }> {
  await flushTelemetry();
  const families = parsePrometheusTextFormat(await (await call("GET", "/metrics", { token: ADMIN_TOKEN })).text()) as Families;
  const value = (family: string, labels: Record<string, string>) =>
    Number(families.find((f) => f.name === family)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);
  return {
    hit: value("taskflow_cache_requests_total", { cache, result: "hit" }),
    miss: value("taskflow_cache_requests_total", { cache, result: "miss" }),
    evictions: value("taskflow_cache_evictions_total", { cache }),
  };
}

describe("isolate caches through the Worker", () => {
  it("CACHE_STRATEGY=off: the auth cache never hits, so a key revoked in D1 is refused on the very next request", async () => {
    const cached = workerWith({ CACHE_STRATEGY: "lru" });
    const a = await createTenant(generousQuota);
    expect((await cached("GET", "/v1/tasks", { token: a.apiKey })).status).toBe(200);
    await revokeInD1(a);
    // lru: the key -> tenant entry is still served (until its 10 s TTL).
    expect((await cached("GET", "/v1/tasks", { token: a.apiKey })).status).toBe(200);

    const off = workerWith({ CACHE_STRATEGY: "off" });
    const b = await createTenant(generousQuota);
    expect((await off("GET", "/v1/tasks", { token: b.apiKey })).status).toBe(200);
    await revokeInD1(b);
    expect((await off("GET", "/v1/tasks", { token: b.apiKey })).status).toBe(401);
  });

  it("CACHE_STRATEGY=off: under load no stats snapshot is served; the stats are computed afresh", async () => {
    const withCache = workerWith({ CACHE_STRATEGY: "adaptive" });
    const a = await createTenant(oneSlot);
    await withCache("POST", "/v1/tasks", { token: a.apiKey, body: { title: "one" } });
    expect((await withCache("GET", "/v1/tasks/stats", { token: a.apiKey })).status).toBe(200);
    await withCache("POST", "/v1/tasks", { token: a.apiKey, body: { title: "two" } });
    const snapshot = await statsUnderLoad(withCache, a.apiKey);
    expect(snapshot.headers.get("x-degraded")).toBe("stats-snapshot");
    expect((await json<{ total: number }>(snapshot)).total).toBe(1);

    const off = workerWith({ CACHE_STRATEGY: "off" });
    const b = await createTenant(oneSlot);
    await off("POST", "/v1/tasks", { token: b.apiKey, body: { title: "one" } });
    expect((await off("GET", "/v1/tasks/stats", { token: b.apiKey })).status).toBe(200);
    await off("POST", "/v1/tasks", { token: b.apiKey, body: { title: "two" } });
    const fresh = await statsUnderLoad(off, b.apiKey);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("x-degraded")).toBeNull();
    expect((await json<{ total: number }>(fresh)).total).toBe(2);
  });

  it("CACHE_MAX_SIZE=1: hits, misses and evictions of the auth cache reach /metrics", async () => {
    const tiny = workerWith({ CACHE_STRATEGY: "lru", CACHE_MAX_SIZE: "1" });
    const [a, b] = [await createTenant(generousQuota), await createTenant(generousQuota)];
    const before = await cacheCounters("auth");
    // a: miss; a: hit; b: miss, evicts a; a: miss, evicts b.
    for (const tenant of [a, a, b, a]) expect((await tiny("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    const after = await cacheCounters("auth");
    expect({ hit: after.hit - before.hit, miss: after.miss - before.miss, evictions: after.evictions - before.evictions }).toEqual({ hit: 1, miss: 3, evictions: 2 });
  });

  it("task-pages and stats: a repeat read is a hit, the first read after a write a miss, and both reach /metrics", async () => {
    // Admission off: on a busy machine stats could otherwise come from the degraded snapshot.
    const lru = workerWith({ CACHE_STRATEGY: "lru", ADMISSION_CONTROL: "off" });
    const tenant = await createTenant(generousQuota);
    const before = { pages: await cacheCounters("task-pages"), stats: await cacheCounters("stats") };
    for (const path of ["/v1/tasks?limit=7", "/v1/tasks/stats"]) {
      for (let i = 0; i < 3; i++) expect((await lru("GET", path, { token: tenant.apiKey })).status).toBe(200);
      expect((await lru("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "t" } })).status).toBe(201);
      expect((await lru("GET", path, { token: tenant.apiKey })).status).toBe(200);
    }
    const after = { pages: await cacheCounters("task-pages"), stats: await cacheCounters("stats") };
    // Each: miss, hit, hit, (write), miss.
    expect({ hit: after.pages.hit - before.pages.hit, miss: after.pages.miss - before.pages.miss }).toEqual({ hit: 2, miss: 2 });
    expect({ hit: after.stats.hit - before.stats.hit, miss: after.stats.miss - before.stats.miss }).toEqual({ hit: 2, miss: 2 });
  });
});
