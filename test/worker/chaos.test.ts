import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { admissionControllerName } from "../../durable-objects/contracts/object-names";
import { configOf } from "../../worker/config";
import { failingD1, InjectedD1Error } from "../../worker/db/failing-d1";
import { isolateRecorder } from "../../worker/telemetry/isolate-telemetry";
import { ADMIN_TOKEN, call, createTask, createTenant, generousQuota, json, workerWith, type TestTenant } from "./helpers";

/**
 * The chaos faults of DESIGN.md section 10 (X-Fault-D1-Error, X-Fault-Controller,
 * X-Fault-Monitor) through the whole Worker: under each, no write is lost, duplicated or
 * phantom, no slot outlives its lease, and every failure is a problem+json whose status says
 * whether to retry.
 */

interface Problem {
  status: number;
  type: string;
  reason?: string;
  errors?: { path: string }[];
}

interface State {
  inflight: number;
  tokens: number;
  configured?: boolean;
  quota?: { rateLimit: { burst: number } };
  decisions: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stateOf = async (tenantId: string) => json<State>(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }));
const titles = async (tenant: TestTenant) =>
  (await json<{ data: { title: string; id: string }[] }>(await call("GET", "/v1/tasks?limit=100", { token: tenant.apiKey }))).data.map((t) => t.title).sort();

/** A retryable failure: 503 problem+json with Retry-After. */
async function expectRetryable(res: Response, reason: string): Promise<Problem> {
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const problem = await json<Problem>(res);
  expect(problem).toMatchObject({ status: 503, reason });
  return problem;
}

/** D1 calls fail in the order given (true: this call fails), through the same wrapper the header uses. */
function scriptedD1(script: boolean[]): { db: D1Database; calls: () => number } {
  let n = 0;
  const db = failingD1(env.DB, 0.5, () => (script[n++] ? 0 : 1));
  return { db, calls: () => n };
}

describe("chaos faults: inert unless FAULT_INJECTION=on, checked before admission", () => {
  it("with FAULT_INJECTION=off every chaos header, valid or not, is ignored", async () => {
    const off = workerWith({ FAULT_INJECTION: "off" });
    const tenant = await createTenant(generousQuota);
    for (const faults of [
      { "x-fault-d1-error": "1", "x-fault-controller": "unavailable", "x-fault-monitor": "down" },
      { "x-fault-d1-error": "lots", "x-fault-controller": "crash", "x-fault-monitor": "sideways" },
    ]) {
      expect((await off("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: faults["x-fault-controller"] }, headers: faults })).status).toBe(201);
      expect((await off("GET", "/v1/tasks", { token: tenant.apiKey, headers: faults })).status).toBe(200);
    }
    expect(await titles(tenant)).toEqual(["crash", "unavailable"]);
  });

  it("an invalid value is a 400 naming the header, before any budget is spent or anything written", async () => {
    const tenant = await createTenant(generousQuota);
    const cases: [Record<string, string>, string[]][] = [
      [{ "x-fault-d1-error": "1.5" }, ["header.x-fault-d1-error"]],
      [{ "x-fault-controller": "crash" }, ["header.x-fault-controller"]],
      [{ "x-fault-monitor": "up" }, ["header.x-fault-monitor"]],
      [{ "x-fault-shard": "1=sideways" }, ["header.x-fault-shard"]],
      [{ "x-fault-d1-error": "-0.1", "x-fault-controller": "evict", "x-fault-monitor": "down" }, ["header.x-fault-d1-error"]],
      [{ "x-fault-delay-ms": "99999" }, ["header.x-fault-delay-ms"]],
      [{ "x-fault-delay-ms": "1e3", "x-fault-abort": "200" }, ["header.x-fault-delay-ms", "header.x-fault-abort"]],
    ];
    for (const [headers, paths] of cases) {
      const res = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "never" }, headers });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect((await json<Problem>(res)).errors?.map((e) => e.path)).toEqual(paths);
    }
    // Nothing was admitted and no token spent: the controller was never asked.
    const state = await stateOf(tenant.id);
    expect(Object.values(state.decisions).every((n) => n === 0)).toBe(true);
    expect(state.tokens).toBe(state.quota?.rateLimit.burst);
    expect(await titles(tenant)).toEqual([]);
  });
});

describe("X-Fault-D1-Error", () => {
  it("fails each D1 call with the given probability, before it reaches D1", async () => {
    const draws = [0.1, 0.3, 0.2, 0.9];
    const db = failingD1(env.DB, 0.25, () => draws.shift() ?? 1);
    const outcomes = await Promise.all([0, 1, 2, 3].map(() => db.prepare("SELECT 1 AS one").first("one").then((v) => v, (e: unknown) => e)));
    expect(outcomes[0]).toBeInstanceOf(InjectedD1Error);
    expect(outcomes.slice(1)).toEqual([1, expect.any(InjectedD1Error), 1]);
  });

  it("at 1 every call fails: reads and writes are 503 with Retry-After, and nothing is written", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "before" });
    const down = { "x-fault-d1-error": "1" };
    await expectRetryable(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "lost?" }, headers: down }), "database_unavailable");
    await expectRetryable(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "keyed" }, headers: { ...down, "idempotency-key": "k-1" } }), "database_unavailable");
    await expectRetryable(await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "changed?" }, headers: down }), "database_unavailable");
    await expectRetryable(
      await call("POST", "/v1/tasks/batch", { token: tenant.apiKey, body: { operations: [{ op: "create", data: { title: "batched?" } }, { op: "delete", id: task.id }] }, headers: down }),
      "database_unavailable",
    );
    await expectRetryable(await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: down }), "database_unavailable");
    await expectRetryable(await call("GET", "/v1/tasks/stats", { token: tenant.apiKey, headers: down }), "database_unavailable");
    expect(await titles(tenant)).toEqual(["before"]);
    // The key was never taken: its retry runs afresh, once.
    const retried = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "keyed" }, headers: { "idempotency-key": "k-1" } });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await titles(tenant)).toEqual(["before", "keyed"]);
    // At 0 nothing fails.
    expect((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "zero" }, headers: { "x-fault-d1-error": "0" } })).status).toBe(201);
  });

  it("at 0.5 about half the calls fail (a read by id is one D1 call)", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    let failed = 0;
    for (let i = 0; i < 100; i++) {
      const res = await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey, headers: { "x-fault-d1-error": "0.5" } });
      if (res.status === 503) failed++;
      else expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    // Binomial(100, 0.5): sd 5, so this is 5 sd either way.
    expect(failed).toBeGreaterThanOrEqual(25);
    expect(failed).toBeLessThanOrEqual(75);
  }, 30_000);

  it("a keyed write whose commit fails frees its key, even when D1 misses the first release too; the retry writes once", async () => {
    const tenant = await createTenant(generousQuota);
    await call("GET", "/v1/tasks", { token: tenant.apiKey }); // the key -> tenant lookup is cached from here on
    // claim ok, commit fails, release fails, the release retried off the response path succeeds
    const d1 = scriptedD1([false, true, true, false]);
    const flaky = workerWith({ DB: d1.db });
    const request = { token: tenant.apiKey, body: { title: "once" }, headers: { "idempotency-key": "k-commit" } };
    await expectRetryable(await flaky("POST", "/v1/tasks", request), "database_unavailable");
    expect(d1.calls()).toBe(4);
    expect(await titles(tenant)).toEqual([]);
    const first = await call("POST", "/v1/tasks", request);
    expect(first.status).toBe(201);
    const replay = await call("POST", "/v1/tasks", request);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await json<{ id: string }>(replay)).id).toBe((await json<{ id: string }>(first)).id);
    expect(await titles(tenant)).toEqual(["once"]);
  });
});

describe("X-Fault-Controller", () => {
  const controllerOf = (tenant: TestTenant) => env.ADMISSION.get(env.ADMISSION.idFromName(admissionControllerName(tenant.id)));

  it("evict: the controller restarts from storage (counters new, bucket as drained as it was), and the request is served", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 20 } });
    const noLeases = workerWith({ ISOLATE_LEASES: "off" });
    for (let i = 0; i < 3; i++) expect((await noLeases("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: `t${i}` } })).status).toBe(201);
    await sleep(100); // the controller writes behind within 50 ms
    const before = await stateOf(tenant.id);
    expect(before.decisions.admitted).toBe(3);

    const res = await noLeases("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "after eviction" }, headers: { "x-fault-controller": "evict" } });
    expect(res.status).toBe(201);
    const after = await stateOf(tenant.id);
    expect(after.decisions.admitted).toBe(1); // a new instance counted only this request
    expect(after.tokens).toBeCloseTo(before.tokens - 1, 0); // no fresh burst
    expect(after.inflight).toBe(0);
    expect(await titles(tenant)).toEqual(["after eviction", "t0", "t1", "t2"]);
  });

  it("evict while others run and wait: every answer is a success or a retryable 503, the rows are exactly the successes, no slot stays taken", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 50 }, maxConcurrency: 1, minConcurrency: 1 });
    const noLeases = workerWith({ ISOLATE_LEASES: "off" });
    const post = (title: string, headers: Record<string, string> = {}) => noLeases("POST", "/v1/tasks", { token: tenant.apiKey, body: { title }, headers });
    const running = post("running", { "x-fault-delay-ms": "400" });
    await sleep(120); // granted, and its lease written behind
    const waiting = post("waiting");
    await sleep(60);
    const evicting = post("evicting", { "x-fault-controller": "evict" });
    const answers = await Promise.all([running, waiting, evicting]);

    const created: string[] = [];
    for (const res of answers) {
      if (res.status === 201) created.push((await json<{ title: string }>(res)).title);
      else await expectRetryable(res, "unavailable");
    }
    expect(created).toContain("running");
    expect(await titles(tenant)).toEqual(created.sort());
    expect((await stateOf(tenant.id)).inflight).toBe(0);
  });

  it("drop-release: the slot stays taken until the grant's lease expires, then the alarm frees it", async () => {
    const tenant = await createTenant(generousQuota);
    const noLeases = workerWith({ ISOLATE_LEASES: "off" });
    expect((await noLeases("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "released" } })).status).toBe(201);
    expect((await stateOf(tenant.id)).inflight).toBe(0);

    const started = Date.now();
    const res = await noLeases("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "release lost" }, headers: { "x-fault-controller": "drop-release", "x-request-timeout-ms": "200" } });
    expect(res.status).toBe(201);
    expect((await stateOf(tenant.id)).inflight).toBe(1);
    // The lease: the deadline (200 ms) plus the controller's 1 s margin.
    await sleep(Math.max(0, started + 200 + 1000 + 100 - Date.now()));
    await runDurableObjectAlarm(controllerOf(tenant));
    expect((await stateOf(tenant.id)).inflight).toBe(0);
    expect(await titles(tenant)).toEqual(["release lost", "released"]);
  });

  it("unavailable: a fast 503 with Retry-After, nothing written, even while this isolate holds a lease that would have admitted it", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 400 }, maxConcurrency: 200, minConcurrency: 80 });
    let leased = false;
    for (let i = 0; i < 40 && !leased; i++) leased = (await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).headers.get("x-admitted-by") === "isolate-lease";
    expect(leased).toBe(true);
    const before = await stateOf(tenant.id);

    const res = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "never" }, headers: { "x-fault-controller": "unavailable" } });
    expect(res.headers.get("x-admitted-by")).toBeNull();
    await expectRetryable(res, "unavailable");
    expect((await stateOf(tenant.id)).decisions.admitted).toBe(before.decisions.admitted);
    expect(await titles(tenant)).toEqual([]);
    // The next request without the fault is served as usual.
    expect((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "served" } })).status).toBe(201);
  });
});

describe("X-Fault-Monitor: down", () => {
  const droppedBatches = async () => {
    const scrape = await call("GET", "/metrics", { token: ADMIN_TOKEN });
    const family = parsePrometheusTextFormat(await scrape.text()).find((f) => f.name === "taskflow_telemetry_batches_dropped_total");
    return Number(family?.metrics[0]?.value ?? 0);
  };

  it("each request's flush fails and is counted; the requests are served as usual and every loss is reported once the Monitor answers", async () => {
    const tenant = await createTenant(generousQuota);
    const recorder = isolateRecorder(configOf(env));
    const droppedBefore = await droppedBatches();
    const before = { ...recorder.stats };
    const run = workerWith({});
    // Each waits for its request's waitUntil: the forced flush, its one retry, and the drop.
    for (const title of ["one", "two", "three"]) {
      expect((await run("POST", "/v1/tasks", { token: tenant.apiKey, body: { title }, headers: { "x-fault-monitor": "down" } })).status).toBe(201);
    }
    expect(recorder.stats.failures - before.failures).toBeGreaterThanOrEqual(3);
    expect(recorder.stats.dropped - before.dropped).toBeGreaterThanOrEqual(3);
    expect(await titles(tenant)).toEqual(["one", "three", "two"]);
    // The scrape flushes through the real Monitor, with every drop the lost batches carried.
    expect((await droppedBatches()) - droppedBefore).toBeGreaterThanOrEqual(3);
  });
});
