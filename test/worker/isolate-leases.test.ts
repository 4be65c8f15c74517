import { describe, expect, it } from "vitest";
import { serverTimingMs } from "../../bench/lib/server-timing";
import { ADMIN_TOKEN, call, createTenant, json, workerWith } from "./helpers";

/**
 * Isolate leases through the whole Worker (DESIGN.md section 7): at load normal the first
 * grant carries budget this isolate then spends by itself, with no round trip; the budget is
 * debited when leased and the unused part comes back, so the tenant's rate never exceeds its
 * quota; ISOLATE_LEASES=off asks the controller for every request.
 */
const roomy = { rateLimit: { requests: 1, windowMs: 3_600_000, burst: 400 }, maxConcurrency: 200, minConcurrency: 80 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface State {
  tokens: number;
  inflight: number;
  decisions: Record<string, number>;
  leases: { active: number; tokens: number; slots: number };
}

const stateOf = async (tenantId: string) => json<State>(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }));

describe("isolate leases", () => {
  it("after the first grant, this isolate admits by itself: fewer controller decisions than requests", async () => {
    const tenant = await createTenant(roomy);
    const answers: Response[] = [];
    for (let i = 0; i < 40; i++) answers.push(await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey }));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const leased = answers.filter((r) => r.headers.get("x-admitted-by") === "isolate-lease").length;
    expect(leased).toBeGreaterThan(0);
    // The controller granted the rest itself; what the lease admitted reaches its decisions with
    // the lease's renewals, the last when the quiet isolate gives it back: then every request is counted once.
    expect((await stateOf(tenant.id)).decisions.admitted).toBeGreaterThanOrEqual(40 - leased);
    await sleep(1200);
    const quiet = await stateOf(tenant.id);
    expect(quiet.leases.active).toBe(0);
    expect(quiet.decisions.admitted).toBe(40);
    // Leased requests still carry the tenant's rate headers.
    expect(answers.find((r) => r.headers.get("x-admitted-by"))?.headers.get("ratelimit-policy")).toBe('"default";q=400;w=3600');
  });

  it("never admits more than the bucket holds, and gives unused leased tokens back when it goes quiet", async () => {
    const tenant = await createTenant({ ...roomy, rateLimit: { requests: 1, windowMs: 3_600_000, burst: 60 } });
    let admitted = 0;
    for (let i = 0; i < 100; i++) if ((await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status === 200) admitted++;
    expect(admitted).toBeLessThanOrEqual(60);
    await sleep(1200);
    const quiet = await stateOf(tenant.id);
    expect(quiet.leases).toMatchObject({ active: 0, tokens: 0, slots: 0 });
    expect(quiet.inflight).toBe(0);
    for (let i = 0; i < 20; i++) if ((await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status === 200) admitted++;
    expect(admitted).toBe(60);
  });

  it("the state document shows the budget isolates hold", async () => {
    const tenant = await createTenant(roomy);
    for (let i = 0; i < 5; i++) await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey });
    const state = await stateOf(tenant.id);
    expect(state.leases.active).toBe(1);
    expect(state.leases.tokens).toBeGreaterThan(0);
    expect(state.leases.slots).toBeGreaterThan(0);
    // Leased slots count as in flight, leased tokens are out of the bucket.
    expect(state.inflight).toBeGreaterThanOrEqual(state.leases.slots);
    expect(state.tokens + state.leases.tokens).toBeLessThanOrEqual(400 - 5 + 1);
  });

  it("ISOLATE_LEASES=off: every request asks the controller", async () => {
    const tenant = await createTenant(roomy);
    const fetch = workerWith({ ISOLATE_LEASES: "off" });
    for (let i = 0; i < 10; i++) {
      const res = await fetch("GET", "/v1/tasks?limit=1", { token: tenant.apiKey });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-admitted-by")).toBeNull();
    }
    const state = await stateOf(tenant.id);
    expect(state.decisions.admitted).toBe(10);
    expect(state.leases.active).toBe(0);
  });

  it("requests that arrive while the first lease is on its way wait for it instead of each asking the controller", async () => {
    const tenant = await createTenant(roomy);
    const far = workerWith({ SIMULATED_CONTROLLER_RTT_MS: "30" });
    const answers = await Promise.all(Array.from({ length: 12 }, () => far("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // All twelve arrive before the first lease lands (a round trip away): without the wait each
    // would ask the controller. With it, some are admitted under that lease and its renewals,
    // each having waited, which Server-Timing shows as queue time.
    const leased = answers.filter((r) => r.headers.get("x-admitted-by") === "isolate-lease");
    expect(leased.length).toBeGreaterThanOrEqual(2);
    expect((await stateOf(tenant.id)).decisions.admitted).toBeGreaterThanOrEqual(12 - leased.length);
    await sleep(1200);
    expect((await stateOf(tenant.id)).decisions.admitted).toBe(12);
    expect(Math.min(...leased.map((r) => serverTimingMs(Object.fromEntries(r.headers), "queue") ?? NaN))).toBeGreaterThan(0);
  });

  it("critical requests never wait for the lease: each one the lease cannot admit asks the controller", async () => {
    const tenant = await createTenant(roomy);
    const far = workerWith({ SIMULATED_CONTROLLER_RTT_MS: "30" });
    const answers = await Promise.all(Array.from({ length: 12 }, () => far("GET", "/v1/tasks?limit=1", { token: tenant.apiKey, headers: { "x-priority": "critical" } })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(answers.filter((r) => r.headers.get("x-admitted-by") === "isolate-lease")).toHaveLength(0);
    expect((await stateOf(tenant.id)).decisions.admitted).toBe(12);
  });

  it("SIMULATED_CONTROLLER_RTT_MS delays each call to the controller, and a lease saves it", async () => {
    const tenant = await createTenant(roomy);
    const far = workerWith({ SIMULATED_CONTROLLER_RTT_MS: "120", ISOLATE_LEASES: "off" });
    const started = Date.now();
    expect((await far("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status).toBe(200);
    // The acquire and the release each waited.
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });
});
