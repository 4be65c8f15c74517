import { describe, expect, it } from "vitest";
import { RATE_LIMIT_BINDING_PERIOD_S } from "../../worker/admission/rate-limit-peer";
import { createTenant, generousQuota, json, workerWith } from "./helpers";

/**
 * ADMISSION_CONTROL=rate-limit-binding, the benchmark's peer: the Workers Rate Limiting binding
 * keyed by tenant decides instead of the AdmissionController, which is never called.
 */

/** An ADMISSION namespace that records every use and fails it, so a controller call cannot pass unseen. */
function watchedControllers() {
  const used: string[] = [];
  const namespace = new Proxy({} as Env["ADMISSION"], {
    get(_target, property) {
      used.push(String(property));
      throw new Error(`the admission controller was used (${String(property)})`);
    },
  });
  return { used, namespace };
}

/** A binding that allows `allowed` calls per key, then refuses, and remembers the keys it saw. */
function countingBinding(allowed: number) {
  const keys: string[] = [];
  const binding: RateLimit = {
    async limit({ key }) {
      keys.push(key);
      return { success: keys.filter((k) => k === key).length <= allowed };
    },
  };
  return { keys, binding };
}

interface Problem {
  type: string;
  status: number;
  reason: string;
  retryAfterMs: number;
  decidedBy: string;
}

describe("ADMISSION_CONTROL=rate-limit-binding (the benchmark's peer)", () => {
  it("refuses past the binding's limit with a 429 problem and Retry-After, keyed by tenant, and never calls a controller", async () => {
    const controllers = watchedControllers();
    const limiter = countingBinding(3);
    const send = workerWith({ ADMISSION_CONTROL: "rate-limit-binding", ADMISSION: controllers.namespace, TENANT_RATE_LIMIT: limiter.binding });
    // A quota the controller would never exhaust: any 429 below is the binding's.
    const tenant = await createTenant(generousQuota);
    const other = await createTenant(generousQuota);

    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const refused = await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.headers.get("retry-after")).toBe(String(RATE_LIMIT_BINDING_PERIOD_S));
    expect(await json<Problem>(refused)).toMatchObject({ type: "/problems/rate-limited", status: 429, reason: "rate_limited", retryAfterMs: RATE_LIMIT_BINDING_PERIOD_S * 1000, decidedBy: "rate-limit-binding" });

    // Another tenant has its own count, and the refusal wrote nothing.
    expect((await send("POST", "/v1/tasks", { token: other.apiKey, body: { title: "other" } })).status).toBe(201);
    expect((await send("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "refused" } })).status).toBe(429);
    const stats = await json<{ total: number }>(await workerWith({ ADMISSION_CONTROL: "off" })("GET", "/v1/tasks/stats", { token: tenant.apiKey }));
    expect(stats.total).toBe(0);

    expect(new Set(limiter.keys)).toEqual(new Set([tenant.id, other.id]));
    expect(controllers.used).toEqual([]);
  });

  it("invalid input is refused before the binding is asked, as it is before the controller", async () => {
    const limiter = countingBinding(100);
    const send = workerWith({ ADMISSION_CONTROL: "rate-limit-binding", TENANT_RATE_LIMIT: limiter.binding });
    const tenant = await createTenant(generousQuota);
    expect((await send("GET", "/v1/tasks?limit=0", { token: tenant.apiKey })).status).toBe(400);
    expect(limiter.keys).toEqual([]);
  });

  it("a failing binding is a fast 503 with Retry-After, not a 500", async () => {
    const broken: RateLimit = { limit: () => Promise.reject(new Error("binding down")) };
    const send = workerWith({ ADMISSION_CONTROL: "rate-limit-binding", TENANT_RATE_LIMIT: broken });
    const tenant = await createTenant(generousQuota);
    const res = await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await json<Problem>(res)).toMatchObject({ reason: "unavailable" });
  });

  it("the binding Miniflare serves from wrangler.toml refuses a tenant past its limit within two periods", async () => {
    const controllers = watchedControllers();
    const send = workerWith({ ADMISSION_CONTROL: "rate-limit-binding", ADMISSION: controllers.namespace });
    const tenant = await createTenant(generousQuota);
    // wrangler.toml allows 17 per period. A fresh key's first 17 pass; 2 × 17 + 1 requests sent
    // well within one period touch at most two windows, so at least one is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status);
    expect(statuses.slice(0, 17).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(controllers.used).toEqual([]);
  });

  it("with ADMISSION_CONTROL=on the binding is not asked: the controller decides", async () => {
    const limiter = countingBinding(0);
    const send = workerWith({ ADMISSION_CONTROL: "on", TENANT_RATE_LIMIT: limiter.binding });
    const tenant = await createTenant(generousQuota);
    expect((await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey })).status).toBe(200);
    expect(limiter.keys).toEqual([]);
  });
});
