import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { configOf } from "../../worker/config";
import { isolateRecorder, monitorSender } from "../../worker/telemetry/isolate-telemetry";
import { ADMIN_TOKEN, call, createTenant, json, workerWith } from "./helpers";
import { pacedLoad } from "./paced-load";

/**
 * What the Worker asks of a tenant's controllers (DESIGN.md section 7): each call is counted in
 * taskflow_admission_controller_calls_total, and at the shipped ADMISSION_CONTROLLER_TARGET_RPS
 * (500) a tenant's root serves alone. test/worker-sharded runs the same paced load with the
 * target at 5, where the root shards.
 */
const roomy = { rateLimit: { requests: 1, windowMs: 3_600_000, burst: 2000 }, maxConcurrency: 8, minConcurrency: 8 };
const noLeases = workerWith({ ISOLATE_LEASES: "off" });

async function flushNow(): Promise<void> {
  const pending: Promise<unknown>[] = [];
  isolateRecorder(configOf(env)).flushIfDue(Date.now() + 3_600_000, monitorSender(env), (p) => pending.push(p));
  await Promise.all(pending);
}

async function controllerCalls(tenantId: string): Promise<Record<string, number>> {
  await flushNow();
  const text = await (await call("GET", "/metrics", { token: ADMIN_TOKEN })).text();
  const families = parsePrometheusTextFormat(text) as { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
  const family = families.find((f) => f.name === "taskflow_admission_controller_calls_total");
  return Object.fromEntries((family?.metrics ?? []).filter((m) => m.labels?.tenant === tenantId).map((m) => [m.labels?.kind ?? "?", Number(m.value)]));
}

describe("controller calls", () => {
  it("counts an acquire and a release per request without leases, and fewer acquires than requests with them", async () => {
    const tenant = await createTenant(roomy);
    for (let i = 0; i < 6; i++) expect((await noLeases("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status).toBe(200);
    expect(await controllerCalls(tenant.id)).toEqual({ acquire: 6, release: 6, renew: 0 });

    // Slots enough that a lease (at most 1/8 of what is free) holds some.
    const leased = await createTenant({ ...roomy, maxConcurrency: 200, minConcurrency: 80 });
    for (let i = 0; i < 30; i++) expect((await call("GET", "/v1/tasks?limit=1", { token: leased.apiKey })).status).toBe(200);
    const calls = await controllerCalls(leased.id);
    expect(calls.acquire).toBeLessThan(30);
    expect(calls.acquire).toBe(calls.release);
  });

  it("at the shipped target of 500 controller calls per second, 20 requests per second leave the root serving alone", async () => {
    const tenant = await createTenant(roomy);
    const answers = await pacedLoad(noLeases, tenant.apiKey, 20, 1600);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const state = await json<{ shards: number; sharding: { callsPerSec: number } }>(await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }));
    expect(state.sharding.callsPerSec).toBeGreaterThan(5);
    expect(state.shards).toBe(1);
  });
});
