import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTH_FAILURE_BUDGET } from "../../worker/auth/auth-failure-budget";
import { sha256Hex } from "../../worker/lib/crypto";
import { ADMIN_TOKEN, createTenant, generousQuota, json, workerWith, type TestTenant } from "./helpers";

/**
 * OWASP API2/API4: a flood of keys nobody issued must not reach D1 at will (issue 12 item 5).
 * Every test counts the statements the Worker sends to D1 about keys.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const random62 = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => BASE62[b % 62]).join("");
const randomKey = (prefix = `tfk_${random62(8)}`) => `${prefix}_${random62(32)}`;
const prefixOf = (key: string) => key.slice(0, 12);

/** D1 that records the SQL of every statement about API keys. */
function keyQueryLog() {
  const statements: string[] = [];
  const db = new Proxy(env.DB, {
    get: (target, prop) => {
      if (prop === "prepare") {
        return (query: string) => {
          if (query.includes('"api_keys"')) statements.push(query);
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db,
    /** Lookups of one key by its hash. */
    lookups: () => statements.filter((s) => s.includes('"api_keys"."hash"')).length,
    /** Loads and refreshes of the known-prefix filter. */
    prefixQueries: () => statements.filter((s) => s.startsWith('select "prefix"')),
  };
}

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await json(res);
  expect(body.status).toBe(status);
  return body;
}

/** Sends random well-formed keys from many addresses, `perTick` at a time, until stopped. */
function flood(worker: ReturnType<typeof workerWith>, keyFor: () => string, perTick = 20) {
  const statuses = new Map<number, number>();
  let running = true;
  let sent = 0;
  const done = (async () => {
    while (running) {
      const batch = Array.from({ length: perTick }, (_, i) =>
        worker("GET", "/v1/tasks", { token: keyFor(), headers: { "cf-connecting-ip": `198.51.100.${(sent + i) % 250}` } }).then(async (res) => {
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          await res.body?.cancel();
        }),
      );
      sent += perTick;
      await Promise.all(batch);
      await sleep(5);
    }
  })();
  return { statuses, sent: () => sent, stop: async () => ((running = false), await done) };
}

/**
 * A tenant whose key is two hours old, in D1 before this isolate loads its view of key
 * prefixes: an established prefix, the one a flood guessing secrets would reuse.
 */
async function insertEstablishedTenant(): Promise<TestTenant> {
  const tenant = { id: crypto.randomUUID(), apiKey: randomKey(), apiKeyId: crypto.randomUUID() };
  const twoHoursAgo = Date.now() - 2 * 3_600_000;
  await env.DB.batch([
    env.DB.prepare("INSERT INTO tenants (id, name, quota, created_at) VALUES (?, ?, ?, ?)").bind(tenant.id, "established", JSON.stringify(generousQuota), twoHoursAgo),
    env.DB.prepare("INSERT INTO api_keys (id, tenant_id, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)").bind(tenant.apiKeyId, tenant.id, prefixOf(tenant.apiKey), await sha256Hex(tenant.apiKey), twoHoursAgo),
  ]);
  return tenant;
}

describe("unauthenticated floods (API2, API4)", () => {
  let established: TestTenant;
  beforeAll(async () => {
    established = await insertEstablishedTenant();
  });

  it("well-formed random keys are refused with 401 from memory: no key lookup, and at most one prefix refresh a second", async () => {
    const log = keyQueryLog();
    const worker = workerWith({ DB: log.db });
    const started = Date.now();
    const attack = flood(worker, () => randomKey());
    await sleep(2500);
    await attack.stop();
    const seconds = (Date.now() - started) / 1000;
    expect(attack.sent()).toBeGreaterThan(200);
    expect([...attack.statuses.keys()]).toEqual([401]);
    expect(log.lookups()).toBe(0);
    expect(log.prefixQueries().length).toBeGreaterThan(0);
    expect(log.prefixQueries().length).toBeLessThanOrEqual(1 + Math.ceil(seconds));
    const res = await worker("GET", "/v1/tasks", { token: randomKey() });
    const problem = await expectProblem(res, 401);
    expect(problem.type).toBe("/problems/unauthorized");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  }, 20_000);

  it("the prefix refresh asks only for recent keys, through an index", async () => {
    const log = keyQueryLog();
    const worker = workerWith({ DB: log.db });
    for (let i = 0; i < 3; i++) {
      await worker("GET", "/v1/tasks", { token: randomKey() });
      await sleep(1050);
    }
    const refresh = log.prefixQueries().find((q) => q.includes('"created_at" >='));
    expect(refresh).toBeDefined();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${refresh}`).bind(Date.now()).all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/USING INDEX api_keys_created_idx/);
  }, 20_000);

  it("new keys under a known prefix spend a failure budget: one address gets its burst, then 429 with Retry-After; all addresses together at most the isolate's", async () => {
    await sleep(1100); // the isolate's budget full again after earlier tests
    const prefix = prefixOf(established.apiKey);
    const log = keyQueryLog();
    const worker = workerWith({ DB: log.db });
    const started = Date.now();
    const one: number[] = [];
    for (let i = 0; i < 15; i++) {
      const res = await worker("GET", "/v1/tasks", { token: randomKey(prefix), headers: { "cf-connecting-ip": "203.0.113.5" } });
      one.push(res.status);
      if (res.status === 429) {
        const problem = await expectProblem(res, 429);
        expect(problem.reason).toBe("auth_failures");
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      } else await res.body?.cancel();
    }
    expect(one.filter((s) => s === 401)).toHaveLength(AUTH_FAILURE_BUDGET.perClient.burst);
    expect(one.slice(AUTH_FAILURE_BUDGET.perClient.burst).every((s) => s === 429)).toBe(true);

    const attack = flood(worker, () => randomKey(prefix));
    await sleep(2000);
    await attack.stop();
    const seconds = (Date.now() - started) / 1000;
    expect(attack.statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect([...attack.statuses.keys()].every((s) => s === 401 || s === 429)).toBe(true);
    const lane = AUTH_FAILURE_BUDGET.lanes.established;
    expect(log.lookups()).toBeLessThanOrEqual(lane.burst + (lane.requests * seconds * 1000) / lane.windowMs);
  }, 20_000);

  it("the same bad key sent again and again stays a 401 (refused from memory), never a 429", async () => {
    await sleep(1100);
    const tenant = await createTenant(generousQuota);
    const log = keyQueryLog();
    const worker = workerWith({ DB: log.db });
    expect((await worker("DELETE", `/admin/tenants/${tenant.id}/keys/${tenant.apiKeyId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    const wrongSecret = randomKey(prefixOf(tenant.apiKey));
    for (let i = 0; i < 30; i++) {
      await expectProblem(await worker("GET", "/v1/tasks", { token: tenant.apiKey }), 401);
      await expectProblem(await worker("GET", "/v1/tasks", { token: wrongSecret }), 401);
    }
    expect(log.lookups()).toBe(2);
  }, 20_000);

  it("beside a flood, a known tenant is served every time, a key just issued by the admin API works at once, and one issued elsewhere within a few retries", async () => {
    await sleep(1100);
    const known = established;
    const log = keyQueryLog();
    // The auth cache off: every one of the known tenant's requests looks its key up, so only
    // the gate's memory of valid keys keeps them out of the failure budget.
    const worker = workerWith({ DB: log.db, CACHE_STRATEGY: "off" });
    expect((await worker("GET", "/v1/tasks", { token: known.apiKey })).status).toBe(200);
    // Random keys under the known tenant's old prefix spend all the budget they can reach.
    const attack = flood(worker, () => (Math.random() < 0.5 ? randomKey(prefixOf(known.apiKey)) : randomKey()));
    await sleep(300);

    const knownStatuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await worker("GET", "/v1/tasks", { token: known.apiKey, headers: { "cf-connecting-ip": "192.0.2.10" } });
      knownStatuses.push(res.status);
      await res.body?.cancel();
    }

    const issued = await worker("POST", `/admin/tenants/${known.id}/keys`, { token: ADMIN_TOKEN });
    expect(issued.status).toBe(201);
    const { apiKey: issuedKey } = await json<{ apiKey: string }>(issued);
    expect((await worker("GET", "/v1/tasks", { token: issuedKey, headers: { "cf-connecting-ip": "192.0.2.11" } })).status).toBe(200);

    // Another isolate's issuance: the row appears in D1 and this isolate was never told.
    const elsewhere = randomKey();
    await env.DB.prepare("INSERT INTO api_keys (id, tenant_id, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(crypto.randomUUID(), known.id, prefixOf(elsewhere), await sha256Hex(elsewhere), Date.now())
      .run();
    let tries = 0;
    let status = 0;
    while (status !== 200 && tries < 20) {
      tries++;
      const res = await worker("GET", "/v1/tasks", { token: elsewhere, headers: { "cf-connecting-ip": "192.0.2.12" } });
      status = res.status;
      await res.body?.cancel();
      if (status !== 200) {
        expect([401, 429]).toContain(status);
        await sleep(300);
      }
    }
    await attack.stop();

    expect(attack.statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect(knownStatuses.every((s) => s === 200)).toBe(true);
    expect(status).toBe(200);
    // The filter refreshes once a second: at 300 ms between tries, the fifth is past it.
    expect(tries).toBeLessThanOrEqual(5);
  }, 20_000);
});
