import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { AdaptiveThrottle } from "../../worker/admission/adaptive-throttle";
import { createApp } from "../../worker/app";
import { createDoor } from "../../worker/door";
import { call, createTenant, generousQuota, json } from "./helpers";

/**
 * The Worker's door (worker/admission/door-refusal.ts) answers what this isolate's throttle
 * refuses before the app runs. Its answer must be the app's own: same status, body and
 * headers. Here the tenant's one slot is held and its controller refuses low requests until
 * the throttle refuses most of them locally; the same refusal is then taken from the door
 * alone and from the app alone.
 */
const oneSlot = { ...generousQuota, maxConcurrency: 1, minConcurrency: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lowRead = { "x-priority": "low", "x-request-timeout-ms": "50" };

async function edgeRefusal(send: () => Promise<Response | undefined>): Promise<Response | undefined> {
  for (let i = 0; i < 60; i++) {
    const res = await send();
    if (res?.status === 503 && (await json<{ decidedBy?: string }>(res.clone())).decidedBy === "edge") return res;
  }
  return undefined;
}

const lowReadRequest = (apiKey: string) => new Request("https://taskflow.test/v1/users", { headers: { authorization: `Bearer ${apiKey}`, ...lowRead } });

describe("refusing at the door", { timeout: 20_000 }, () => {
  it("answers a throttled request with exactly what the app answers", async () => {
    const tenant = await createTenant(oneSlot);
    const holder = call("GET", "/v1/users", { token: tenant.apiKey, headers: { "x-fault-delay-ms": "3000", "x-priority": "critical" } });
    await sleep(40);
    // The controller refuses these (no slot before their deadline): the throttle learns.
    for (let i = 0; i < 8; i++) expect((await call("GET", "/v1/users", { token: tenant.apiKey, headers: lowRead })).status).toBe(503);

    const app = createApp();
    const door = createDoor(app);
    const throughDoor = await edgeRefusal(async () => door(lowReadRequest(tenant.apiKey), env, createExecutionContext()));
    const throughApp = await edgeRefusal(async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(lowReadRequest(tenant.apiKey), env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    });
    await holder;

    expect(throughDoor).toBeDefined();
    expect(throughApp).toBeDefined();
    const names = (res: Response) => [...res.headers.keys()].sort();
    expect(names(throughDoor!)).toEqual(names(throughApp!));
    // A refusal without asking the controller still carries the budget as last heard (section 2).
    expect(throughApp!.headers.get("ratelimit")).toMatch(/r=\d+/);
    expect(throughApp!.headers.get("ratelimit-policy")).toMatch(/q=\d+/);
    // Retry-After and the body's retryAfterMs follow the controller's last refusal, which moves between the two.
    const perRefusal = new Set(["server-timing", "retry-after"]);
    for (const name of names(throughApp!).filter((n) => !perRefusal.has(n))) expect([name, throughDoor!.headers.get(name)]).toEqual([name, throughApp!.headers.get(name)]);
    const doorBody = await json<{ retryAfterMs: number }>(throughDoor!);
    const appBody = await json<{ retryAfterMs: number }>(throughApp!);
    expect({ ...doorBody, retryAfterMs: 0 }).toEqual({ ...appBody, retryAfterMs: 0 });
    expect(throughDoor!.headers.get("retry-after")).toBe(String(Math.max(1, Math.ceil(doorBody.retryAfterMs / 1000))));
  });

  it("asks the throttle once: a request the door lets through is not put to it again by the app", async () => {
    const tenant = await createTenant(oneSlot);
    const holder = call("GET", "/v1/users", { token: tenant.apiKey, headers: { "x-fault-delay-ms": "2000", "x-priority": "critical" } });
    await sleep(40);
    for (let i = 0; i < 8; i++) expect((await call("GET", "/v1/users", { token: tenant.apiKey, headers: lowRead })).status).toBe(503);
    // The first answer lets the request through (the door's); any second one would refuse it.
    const ask = vi.spyOn(AdaptiveThrottle.prototype, "shouldRefuse").mockReturnValueOnce({ refuse: false }).mockReturnValue({ refuse: true, retryAfterMs: 1000 });
    try {
      const res = await call("GET", "/v1/users", { token: tenant.apiKey, headers: lowRead });
      expect(ask).toHaveBeenCalledTimes(1);
      // The controller answered it (no slot before its deadline), not the isolate.
      expect(res.status).toBe(503);
      expect((await json<{ decidedBy?: string }>(res)).decidedBy).toBeUndefined();
    } finally {
      ask.mockRestore();
    }
    await holder;
  });
});
