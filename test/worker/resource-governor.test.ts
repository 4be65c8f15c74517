import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { GOVERNOR_NAME } from "../../durable-objects/contracts/object-names";
import type { DemandReport, GovernorView } from "../../durable-objects/contracts/governor";
import { ResourceGovernor } from "../../durable-objects/resource-governor";
import { AdmissionController } from "../../durable-objects/admission-controller";
import { testQuota } from "../unit/admission/support";
import { ADMIN_TOKEN, call, createTenant, generousQuota, json } from "./helpers";

const report = (tenant: string, demand: number, extra: Partial<DemandReport> = {}): DemandReport => ({
  tenant,
  at: Date.now(),
  demand,
  admittedPerSec: 0,
  dbMsPerSec: 0,
  dbQueries: 0,
  dbMs: 0,
  weight: 1,
  ...extra,
});

/** A governor of its own, so tests do not share tenants or budgets. */
const freshGovernor = () => env.GOVERNOR.get(env.GOVERNOR.idFromName(`governor-test-${crypto.randomUUID()}`));

describe("ResourceGovernor", () => {
  it("answers each report with the tenant's cap: a flood cannot take a quiet tenant's share", async () => {
    const governor = freshGovernor();
    expect(await governor.report(report("flood", 400))).toEqual({ cap: 50, budget: 50, fairRatePerSec: 0, passScale: 1, leases: true });
    const quiet = await governor.report(report("quiet", 2));
    expect(quiet.cap).toBe(3); // its demand and one slot of headroom
    const view = await governor.view();
    expect(view.tenants.map((t) => [t.tenant, t.share])).toEqual([
      ["flood", 47],
      ["quiet", 3],
    ]);
    expect(view.tenants.reduce((a, t) => a + t.share, 0)).toBeLessThanOrEqual(view.budget);
  });

  it("cuts the budget on its alarm when the fleet's D1 latency rises over its baseline, and keeps it across a prompt restart", async () => {
    const governor = freshGovernor();
    // A neighbour beside the flood: a lone tenant's budget is not cut (governor-core.properties.test.ts).
    const quiet = () => governor.report(report("quiet", 2));
    await governor.report(report("flood", 400, { dbQueries: 500, dbMs: 500, inflight: 40, admittedPerSec: 100 }));
    await quiet();
    expect(await runDurableObjectAlarm(governor)).toBe(true);
    expect((await governor.view()).contention).toMatchObject({ signal: 1, baselineMs: 1 });
    // Ten times slower, and (500 queries × 10 ms in about a second) several in D1 at once.
    await governor.report(report("flood", 400, { dbQueries: 500, dbMs: 5000, inflight: 40, admittedPerSec: 100 }));
    await quiet();
    await runDurableObjectAlarm(governor);
    // One contended window is a spike, not yet a queue: the cut waits for a second one.
    expect((await governor.view()).budget).toBe(50);
    await governor.report(report("flood", 400, { dbQueries: 500, dbMs: 5000, inflight: 40, admittedPerSec: 100 }));
    await quiet();
    await runDurableObjectAlarm(governor);
    const contended = await governor.view();
    expect(contended.contention.signal).toBeGreaterThan(2);
    expect(contended.budget).toBeLessThan(50);
    // The quiet tenant keeps its 3 (its demand and a slot of headroom); the flood gets the rest.
    expect((await governor.report(report("flood", 400))).cap).toBe(contended.budget - 3);
    // The budget and baseline are stored: a new instance on the same storage resumes with them.
    const resumed = await runInDurableObject(governor, async (_instance: ResourceGovernor, state) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = new ResourceGovernor(state, env);
      await state.blockConcurrencyWhile(async () => {});
      return again.view();
    });
    expect(resumed.budget).toBe(contended.budget);
    expect(resumed.contention.baselineMs).toBe(1);
    // Stored longer ago than a silent tenant is remembered: the baseline resumes, the budget starts at the ceiling.
    const stale = await runInDurableObject(governor, async (_instance: ResourceGovernor, state) => {
      const stored = await state.storage.get<{ budget: number; baselineMs: number; at: number }>("governor");
      expect(stored?.budget).toBe(contended.budget);
      await state.storage.put("governor", { ...stored, at: Date.now() - 60_000 });
      const again = new ResourceGovernor(state, env);
      await state.blockConcurrencyWhile(async () => {});
      return again.view();
    });
    expect(stale.budget).toBe(50);
    expect(stale.contention.baselineMs).toBe(1);
  });

  it("DB_MAX_CONNECTIONS is the budget's ceiling; an invalid value stops the governor naming it", async () => {
    const governor = freshGovernor();
    const [view, errors] = await runInDurableObject(governor, async (_instance: ResourceGovernor, state) => {
      const small = new ResourceGovernor(state, { ...env, DB_MAX_CONNECTIONS: "3" });
      await small.report(report("flood", 400));
      await small.report(report("other", 400));
      const failures = ["0", "many"].map((value) => {
        try {
          new ResourceGovernor(state, { ...env, DB_MAX_CONNECTIONS: value });
          return "constructed";
        } catch (error) {
          return String(error);
        }
      });
      return [await small.view(), failures] as const;
    });
    expect(view).toMatchObject({ budget: 3, maxBudget: 3 });
    expect(view.tenants.map((t) => t.share)).toEqual([2, 1]);
    expect(errors.every((e) => e.includes("DB_MAX_CONNECTIONS"))).toBe(true);
  });
});

async function admissionState(tenantId: string): Promise<{ limit: number; share: number | null; learnedLimit?: number }> {
  return json(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }));
}

/** The controller applies the governor's reply in waitUntil, just after the request that sent it. */
async function settledShare(tenantId: string): Promise<{ limit: number; share: number | null; learnedLimit?: number }> {
  for (let i = 0; i < 50; i++) {
    const state = await admissionState(tenantId);
    if (state.share !== null) return state;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return admissionState(tenantId);
}

describe("RESOURCE_GOVERNOR", () => {
  it("on (shipped): a controller's first acquire reports and the reply caps it; off: no report, no cap", async () => {
    const shares = async (vars: Partial<Env>): Promise<{ share: number | null; reported: boolean }> => {
      const tenant = `switch-${crypto.randomUUID()}`;
      const stub = env.ADMISSION.get(env.ADMISSION.idFromName(tenant));
      const share = await runInDurableObject(stub, async (_instance: AdmissionController, state) => {
        const controller = new AdmissionController(state, { ...env, ...vars });
        // Its constructor loads storage first; configuring before that ends would race the load.
        await state.blockConcurrencyWhile(async () => {});
        await controller.configure(testQuota({ maxConcurrency: 10 }));
        await controller.acquire({ priority: "normal", cost: 1, deadline: Date.now() + 5000, route: "GET /v1/tasks" });
        for (let i = 0; i < 50 && (await controller.state()).share === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        return (await controller.state()).share;
      });
      const view = await env.GOVERNOR.get(env.GOVERNOR.idFromName(GOVERNOR_NAME)).view();
      return { share, reported: view.tenants.some((t) => t.tenant === tenant) };
    };
    const on = await shares({});
    expect(on.reported).toBe(true);
    expect(on.share).toBeGreaterThanOrEqual(1);
    expect(await shares({ RESOURCE_GOVERNOR: "off" })).toEqual({ share: null, reported: false });
  });
});

describe("controllers under the governor, through the Worker", () => {
  it("a controller reports on its traffic and its limit stays at or under the cap it is given", async () => {
    // Another tenant wants all of D1, so there is no spare and the caps are the fair shares.
    await env.GOVERNOR.get(env.GOVERNOR.idFromName(GOVERNOR_NAME)).report(report(`flood-${crypto.randomUUID()}`, 1000));
    const tenant = await createTenant({ ...generousQuota, weight: 3 });
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    const state = await settledShare(tenant.id);
    const view = await json<GovernorView>(await call("GET", "/admin/governor", { token: ADMIN_TOKEN }));
    const mine = view.tenants.find((t) => t.tenant === tenant.id);
    expect(mine).toMatchObject({ weight: 3 });
    expect(state.share).toBe(mine?.cap);
    expect(state.limit).toBeLessThanOrEqual(state.share ?? 0);
    // The cap is what binds: the limit learned on its own is higher.
    expect(state.learnedLimit).toBeGreaterThan(state.limit);
  });

  it("GET /admin/governor shows budget, contention and each tenant's demand, forecast, weight and share; admin token only", async () => {
    const tenant = await createTenant(generousQuota);
    await call("GET", "/v1/tasks", { token: tenant.apiKey });
    await settledShare(tenant.id);
    expect((await call("GET", "/admin/governor")).status).toBe(401);
    const res = await call("GET", "/admin/governor", { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const view = await json<GovernorView>(res);
    expect(view).toMatchObject({ maxBudget: 50, contention: { threshold: 2 } });
    expect(view.budget).toBeGreaterThanOrEqual(1);
    expect(view.budget).toBeLessThanOrEqual(50);
    const mine = view.tenants.find((t) => t.tenant === tenant.id);
    expect(mine).toBeDefined();
    expect(Object.keys(mine ?? {}).sort()).toEqual(["admittedPerSec", "cap", "dbMsPerSec", "demand", "fairRatePerSec", "forecast", "passScale", "reportedAt", "share", "tenant", "wantedPerSec", "weight"]);
    expect(mine?.weight).toBe(1);
    expect(mine?.demand).toBeGreaterThanOrEqual(1);
    expect(mine?.share).toBeGreaterThanOrEqual(1);
  });

  it("a quota's weight must be a positive number (400 otherwise, nothing stored)", async () => {
    const tenant = await createTenant();
    for (const weight of [0, -1, "2", 5000]) {
      const res = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { weight } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain("body.weight");
    }
    const ok = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { weight: 2.5 } });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ quota: { weight: 2.5 }, quotaOverrides: { weight: 2.5 } });
    const fresh = await createTenant();
    expect(await json(await call("GET", `/admin/tenants/${fresh.id}`, { token: ADMIN_TOKEN }))).toMatchObject({ quota: { weight: 1 } });
  });

  it("/metrics has the governor's budget, each tenant's share and the contention signal", async () => {
    const tenant = await createTenant(generousQuota);
    await call("GET", "/v1/tasks", { token: tenant.apiKey });
    await settledShare(tenant.id);
    // Enough D1 queries for a contention reading at the next tick.
    const governor = env.GOVERNOR.get(env.GOVERNOR.idFromName(GOVERNOR_NAME));
    await governor.report(report(tenant.id, 1, { dbQueries: 20, dbMs: 20 }));
    await runDurableObjectAlarm(governor);
    const view = await governor.view();
    const text = await (await call("GET", "/metrics", { token: ADMIN_TOKEN })).text();
    const families = parsePrometheusTextFormat(text) as { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
    const family = (name: string) => families.find((f) => f.name === name);
    expect(family("taskflow_governor_budget")?.type).toBe("GAUGE");
    expect(Number(family("taskflow_governor_budget")?.metrics[0]?.value)).toBe(view.budget);
    const share = family("taskflow_governor_share")?.metrics.find((m) => m.labels?.tenant === tenant.id);
    expect(Number(share?.value)).toBe(view.tenants.find((t) => t.tenant === tenant.id)?.share);
    expect(Number(family("taskflow_governor_contention")?.metrics[0]?.value)).toBe(view.contention.signal);
  });
});
