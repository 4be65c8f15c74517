import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AcquireRequest, AcquireResult, Grant, Quota, RequestPriority } from "../../durable-objects/contracts/admission";
import { testQuota } from "../unit/admission/support";

/** Rate limits in these tests refill per hour so the clock cannot top the bucket up mid-test. */
function quota(overrides: Partial<Quota> = {}): Quota {
  return testQuota({ rateLimit: { requests: 1000, windowMs: 3_600_000, burst: 1000 }, maxConcurrency: 100, queueSize: 100, ...overrides });
}

function controller() {
  return env.ADMISSION.get(env.ADMISSION.idFromName(`admission-test-${crypto.randomUUID()}`));
}

function req(priority: RequestPriority, overrides: Partial<AcquireRequest> = {}): AcquireRequest {
  return { priority, cost: 1, deadline: Date.now() + 10_000, route: "GET /v1/tasks", ...overrides };
}

function asGrant(result: AcquireResult): Grant {
  if (!result.granted) throw new Error(`expected a grant, got ${result.reason}`);
  return result;
}

const ok = { latencyMs: 5, outcome: "success" } as const;

/** Resolves once the DO reports `n` waiters of `priority`, so later calls really arrive behind them. */
async function waitForQueued(stub: ReturnType<typeof controller>, priority: RequestPriority, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await stub.state()).queued[priority] === n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never saw ${n} queued ${priority}`);
}

describe("AdmissionController DO", () => {
  it("admits exactly the burst out of 60 concurrent requests", async () => {
    const stub = controller();
    await stub.configure(quota({ rateLimit: { requests: 20, windowMs: 3_600_000, burst: 20 } }));
    const results = await Promise.all(Array.from({ length: 60 }, () => stub.acquire(req("normal"))));
    expect(results.filter((r) => r.granted)).toHaveLength(20);
    const refused = results.filter((r) => !r.granted);
    expect(refused).toHaveLength(40);
    expect(refused.every((r) => r.reason === "rate_limited" && r.retryAfterMs > 0 && r.rateLimit.remaining === 0)).toBe(true);
    expect((await stub.state()).decisions).toMatchObject({ admitted: 20, rate_limited: 40 });
  });

  it("admits exactly the burst out of 400 concurrent requests when most of them must queue", async () => {
    const stub = controller();
    await stub.configure(quota({ rateLimit: { requests: 20, windowMs: 3_600_000, burst: 20 }, maxConcurrency: 3, queueSize: 1000 }));
    // Each grant is released as soon as it arrives, which lets the queue drain.
    const results = await Promise.all(
      Array.from({ length: 400 }, async () => {
        const result = await stub.acquire(req("normal"));
        if (result.granted) await stub.release(result.ticket, ok);
        return result;
      }),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(20);
    const state = await stub.state();
    expect(state).toMatchObject({ inflight: 0, queued: { critical: 0, high: 0, normal: 0, low: 0 }, decisions: { admitted: 20, rate_limited: 380 } });
  });

  it("grants a critical request that arrives behind queued lows first", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const holder = asGrant(await stub.acquire(req("normal")));
    const order: string[] = [];
    const lows = [1, 2, 3].map((i) => stub.acquire(req("low")).then((r) => (order.push(`low${i}`), r)));
    await waitForQueued(stub, "low", 3);
    const critical = stub.acquire(req("critical")).then((r) => (order.push("critical"), r));
    await waitForQueued(stub, "critical", 1);

    await stub.release(holder.ticket, ok);
    let ticket = asGrant(await critical).ticket;
    for (const low of lows) {
      await stub.release(ticket, ok);
      ticket = asGrant(await low).ticket;
    }
    expect(order[0]).toBe("critical");
    expect(order.slice(1).sort()).toEqual(["low1", "low2", "low3"]);
    await stub.release(ticket, ok);
    expect((await stub.state()).inflight).toBe(0);
  });

  it("when the queue is full, evicts the most recent low waiter with a 503 reason", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1, queueSize: 2 }));
    const holder = asGrant(await stub.acquire(req("normal")));
    const firstLow = stub.acquire(req("low"));
    await waitForQueued(stub, "low", 1);
    const secondLow = stub.acquire(req("low"));
    await waitForQueued(stub, "low", 2);
    const high = stub.acquire(req("high"));

    const evicted = await secondLow;
    expect(evicted).toMatchObject({ granted: false, reason: "queue_full", detail: "evicted" });
    expect(!evicted.granted && evicted.retryAfterMs).toBeGreaterThan(0);
    // A low arrival finds nobody lower to evict: refused at once.
    expect(await stub.acquire(req("low"))).toMatchObject({ granted: false, reason: "queue_full", detail: "queue_full" });

    await stub.release(holder.ticket, ok);
    const highGrant = asGrant(await high);
    await stub.release(highGrant.ticket, ok);
    await stub.release(asGrant(await firstLow).ticket, ok);
    expect(await stub.state()).toMatchObject({ inflight: 0, decisions: { admitted: 3, queue_full: 2 } });
  });

  it("answers a queued request whose deadline passes with 503 deadline, and never grants it", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const holder = asGrant(await stub.acquire(req("normal")));
    const started = Date.now();
    const waiter = await stub.acquire(req("normal", { deadline: Date.now() + 80 }));
    expect(waiter).toMatchObject({ granted: false, reason: "deadline", detail: "expired" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    await stub.release(holder.ticket, ok);
    expect(await stub.state()).toMatchObject({ inflight: 0, decisions: { admitted: 1, deadline: 1 } });
  });

  it("ignores a second release of the same ticket", async () => {
    const stub = controller();
    await stub.configure(quota({ maxConcurrency: 1 }));
    const first = asGrant(await stub.acquire(req("normal")));
    const waiting = stub.acquire(req("normal"));
    await waitForQueued(stub, "normal", 1);
    await stub.release(first.ticket, ok);
    const second = asGrant(await waiting);
    // The duplicate must not free the slot the second request now holds.
    await stub.release(first.ticket, ok);
    await stub.release("no-such-ticket", ok);
    expect(await stub.state()).toMatchObject({ inflight: 1 });
    await stub.release(second.ticket, ok);
    expect(await stub.state()).toMatchObject({ inflight: 0 });
  });

  it("configures itself from the quota passed with the first acquire, and refuses without one", async () => {
    const stub = controller();
    const error = await stub.acquire(req("normal")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/no quota/);
    expect(await stub.state()).toMatchObject({ configured: false, inflight: 0, shards: 1 });
    const grant = await stub.acquire(req("normal"), quota({ rateLimit: { requests: 5, windowMs: 3_600_000, burst: 5 } }));
    expect(grant).toMatchObject({ granted: true, rateLimit: { quota: 5, remaining: 4 } });
    // A later, different quota argument does not override the stored one.
    const again = await stub.acquire(req("normal"), quota());
    expect(again.rateLimit.quota).toBe(5);
  });

  it("reports a cheap stats snapshot", async () => {
    const stub = controller();
    expect(await stub.stats()).toBeNull();
    await stub.configure(quota({ maxConcurrency: 4 }));
    const grant = asGrant(await stub.acquire(req("high")));
    await stub.release(grant.ticket, ok);
    const stats = await stub.stats();
    expect(stats).toMatchObject({ limit: 4, limitAlgorithm: "gradient2", inflight: 0, loadLevel: "normal" });
    expect(stats?.decisions.high.admitted).toBe(1);
    expect(stats?.serviceTimeMs).not.toBeNull();
  });
});
