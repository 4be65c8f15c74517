import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEASE_MARGIN_MS } from "../../durable-objects/admission/admission-core";
import { ADMIN_TOKEN, call, createTenant, json } from "./helpers";

/**
 * Deadlines hold on a running handler (X-Fault-Delay-Ms beyond X-Request-Timeout-Ms): a read
 * still running at its deadline is answered 503 `deadline`; a write is answered with its real
 * outcome; either way the grant's lease lives until the work settles, so the tenant's
 * concurrency limit is never exceeded by work the controller thinks has ended.
 */
const oneSlot = { maxConcurrency: 1, minConcurrency: 1, rateLimit: { requests: 100_000, windowMs: 60_000, burst: 100_000 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inflight(tenantId: string): Promise<number> {
  const state = await json<{ inflight: number }>(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }));
  return state.inflight;
}

describe("deadlines on running handlers", () => {
  it("a read still running at its deadline is answered 503 deadline, and its slot stays held until it ends", async () => {
    const tenant = await createTenant(oneSlot);
    const workMs = LEASE_MARGIN_MS + 700;
    const started = Date.now();
    const res = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-fault-delay-ms": String(workMs), "x-request-timeout-ms": "100" } });
    const answeredAfter = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await json(res)).toMatchObject({ reason: "deadline", status: 503 });
    expect(answeredAfter).toBeLessThan(workMs / 2);

    // Past deadline + margin, where an unextended lease would be reclaimed by the alarm.
    await sleep(100 + LEASE_MARGIN_MS + 200 - answeredAfter);
    await runDurableObjectAlarm(env.ADMISSION.get(env.ADMISSION.idFromName(tenant.id)));
    expect(await inflight(tenant.id)).toBe(1);
    // The one slot is still taken: a second read waits for it and misses its own deadline.
    const second = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-request-timeout-ms": "100" } });
    expect(second.status).toBe(503);

    await sleep(workMs - (Date.now() - started) + 300);
    expect(await inflight(tenant.id)).toBe(0);
    // The slot is free again: a read gets it. Critical, so a
    // saturation shed on a loaded test machine (which spares critical requests) cannot refuse it.
    const third = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-priority": "critical", "x-request-timeout-ms": "2000" } });
    expect(third.status, await third.clone().text()).toBe(200);
  });

  it("a write still running at its deadline is answered with its real outcome", async () => {
    const tenant = await createTenant(oneSlot);
    const started = Date.now();
    const res = await call("POST", "/v1/tasks", {
      token: tenant.apiKey,
      body: { title: "late but written" },
      headers: { "x-fault-delay-ms": "400", "x-request-timeout-ms": "100" },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(res.status).toBe(201);
    const created = await json<{ id: string; title: string }>(res);
    const read = await call("GET", `/v1/tasks/${created.id}`, { token: tenant.apiKey });
    expect(read.status).toBe(200);
    expect((await json<{ title: string }>(read)).title).toBe("late but written");
    await sleep(50);
    expect(await inflight(tenant.id)).toBe(0);
  });

  it("a read that ends before its deadline is answered normally and releases its slot", async () => {
    const tenant = await createTenant(oneSlot);
    const res = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-fault-delay-ms": "50", "x-request-timeout-ms": "2000" } });
    expect(res.status).toBe(200);
    await sleep(50);
    expect(await inflight(tenant.id)).toBe(0);
  });
});
