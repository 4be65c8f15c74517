import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { SCALE_UP_AFTER_MS } from "../../../durable-objects/admission/shard-autoscaler";
import { ShardPlan } from "../../../durable-objects/admission/shard-plan";
import { DRY_RECHECK_MS, MIN_RENEW_GAP_MS, QUIET_MS, RETIRED_RECHECK_MS, ShardServing, shardQuota } from "../../../durable-objects/admission/shard-serving";
import type { AcquireRequest, Quota } from "../../../durable-objects/contracts/admission";
import type { ShardLeaseGrant, ShardLeaseRequest } from "../../../durable-objects/contracts/shards";
import { flushPromises, request, T0, testQuota } from "./support";

/**
 * A shard's acquire (ShardServing.acquire, what the controller calls): a 429 only when the
 * tenant is over its rate; a wallet run dry between renewals sends the request to the root
 * while the root can serve it, but not a flood that the root could not serve either.
 */
function shardOf(quota: Quota, { rootAnswersOnce = false, k = 1 } = {}) {
  let now = T0;
  let renewals = 0;
  const root = new AdmissionCore({ quota, now, random: () => 0.5 });
  const plan = new ShardPlan({ tenant: "t", targetRps: 1, maxShards: 8 }, now);
  // Calls well past 70 % of K x target for SCALE_UP_AFTER_MS: the plan doubles K up to k (its cap here).
  if (k > 1) {
    for (let at = now + 1000; at <= now + 1000 + SCALE_UP_AFTER_MS; at += 1000) {
      for (let i = 0; i < 100; i++) plan.noteCall("other");
      plan.tick(at, true);
    }
  }
  const renew = async (req: ShardLeaseRequest): Promise<ShardLeaseGrant> => {
    // A root that is slow to answer: the background top-up is still on its way.
    if (rootAnswersOnce && renewals++ > 0) return new Promise<ShardLeaseGrant>(() => undefined);
    const answer = root.renewShardLease(req, { ...plan.liveDemand(now, root.limit), liveShards: plan.k, retired: false }, now);
    plan.noteRenewal(req, answer.lease?.id, now);
    return { ...answer, quota, rateLimit: root.rateLimit(now), shardMap: plan.map(), retired: false };
  };
  const shard = new ShardServing({
    index: 0,
    root: "t",
    renew,
    later: () => undefined,
    clock: () => now,
    buildCore: (q, at) => new AdmissionCore({ quota: q, now: at, funded: true, random: () => 0.5 }),
  });
  return { shard, root, plan, advance: (ms: number) => (now += ms), now: () => now };
}

/** How the shard answered: granted, queued, not_serving, or the core's refusal detail. */
async function answer(shard: ShardServing, req: AcquireRequest, now: number, release = true): Promise<string> {
  const result = await shard.acquire(req, now);
  if (result.kind === "not_serving") return "not_serving";
  const { outcome } = result;
  if (outcome.kind === "granted" && release) shard.admission?.release(outcome.result.ticket, { latencyMs: 1, outcome: "success" }, now);
  return outcome.kind === "rejected" ? (outcome.result.detail ?? outcome.result.reason) : outcome.kind;
}

/** Admits (and at once releases) through the shard until it stops granting; returns how many it granted. */
async function drainWallet(shard: ShardServing, now: number): Promise<number> {
  let granted = 0;
  for (let i = 0; i < 100; i++) {
    if ((await answer(shard, request("critical", now), now)) !== "granted") return granted;
    granted++;
  }
  return granted;
}

describe("ShardServing.acquire with an empty wallet", () => {
  it("sends the request to the root while the root's bucket still holds tokens", async () => {
    const { shard, root, now } = shardOf(testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, maxConcurrency: 50 }), { rootAnswersOnce: true });
    expect(await drainWallet(shard, now())).toBeGreaterThan(0);
    expect(root.tokens(now())).toBeGreaterThan(1);
    // Its top-up is still on the way and it asked too recently to wait for one: it must not answer 429 itself.
    expect(await answer(shard, request("critical", now()), now())).toBe("not_serving");
  });

  it("answers 429 over_rate when the root's bucket is empty too", async () => {
    const { shard, root, now } = shardOf(testQuota({ rateLimit: { requests: 1, windowMs: 1_000_000, burst: 4 }, maxConcurrency: 50 }));
    expect(await drainWallet(shard, now())).toBe(4);
    expect(root.tokens(now())).toBeLessThan(1);
    expect(await answer(shard, request("critical", now()), now())).toBe("over_rate");
  });

  it("sends on no more than the root may hold: a tenant over its rate is answered 429 at the shard", async () => {
    // 200 a second, burst 20; the flood asks at 1000 a second for 2 s. What the shard sends on,
    // the Worker asks the root, which admits it or answers 429.
    const { shard, root, advance, now } = shardOf(testQuota({ rateLimit: { requests: 200, windowMs: 1000, burst: 20 }, maxConcurrency: 50 }));
    const tally = { shard: 0, root: 0, sentOn: 0, refusedAtRoot: 0, refusedAtShard: 0 };
    for (let i = 0; i < 2000; i++) {
      const req = request("normal", advance(1));
      const a = await answer(shard, req, now());
      if (a === "granted") tally.shard++;
      else if (a === "over_rate") tally.refusedAtShard++;
      else if (a === "not_serving") {
        tally.sentOn++;
        const atRoot = root.acquire(req, now());
        if (atRoot.kind === "granted") (tally.root++, root.release(atRoot.result.ticket, { latencyMs: 1, outcome: "success" }, now()));
        else tally.refusedAtRoot++;
      }
    }
    // Never more than the root's one bucket let out, and most of the flood refused at the shard, not sent on to be refused.
    expect(tally.shard + tally.root).toBeLessThanOrEqual(20 + 200 * 2 + 1);
    expect(tally.refusedAtShard).toBeGreaterThan(1000);
    expect(tally.refusedAtRoot).toBeLessThanOrEqual(tally.sentOn / 2 + 5);
  });
});

describe("ShardServing.acquire when many requests wait for one renewal", () => {
  it("sends those its wallet cannot cover to the root instead of answering them 429", async () => {
    const { shard, now } = shardOf(testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, maxConcurrency: 64 }));
    // Thirty requests arrive at a fresh shard together: all wait for its first lease (a few tokens).
    const answers = await Promise.all(Array.from({ length: 30 }, () => answer(shard, request("critical", now()), now(), false)));
    expect(answers).not.toContain("over_rate");
    expect(answers).toContain("not_serving");
    expect(answers.filter((a) => a === "granted" || a === "queued").length).toBeGreaterThan(0);
  });
});

describe("ShardServing's saturation floor", () => {
  it("counts the tenant's arrivals across its K shards: a flood spread thin is still shed", async () => {
    const { shard, plan, advance, now } = shardOf(testQuota({ maxConcurrency: 64 }), { k: 8 });
    expect(plan.k).toBe(8);
    await shard.acquire(request("critical", now()), now());
    const core = shard.admission;
    if (!core) throw new Error("the shard holds no lease");
    // A saturated thread (every timer 150 ms late) for four seconds, and 20 low requests a second
    // at this shard: 160 a second for the tenant, past the floor of 50, so its level rises.
    const outcomes: string[] = [];
    for (let i = 0; i < 80; i++) {
      for (let step = 0; step < 5; step++) core.observeLag(150, advance(10));
      outcomes.push(await answer(shard, request("low", now()), now()));
    }
    expect(outcomes.slice(-10)).toEqual(Array.from({ length: 10 }, () => "saturated"));
  });
});

describe("a root whose limit is mostly leased to shards", () => {
  it("reads its load from its own slots: leased slots are the shards' to fill, not the root's utilisation", () => {
    const quota = testQuota({ maxConcurrency: 20, minConcurrency: 20 });
    const root = new AdmissionCore({ quota, now: T0, random: () => 0.5 });
    // One shard, all the demand: its lease takes the root's limit but the one slot the root keeps.
    const answer = root.renewShardLease(
      { index: 0, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 500, callsPerSec: 1000, samples: [] },
      { totalDemandRps: 500, liveShards: 1, retired: false, reserveSlots: 1 },
      T0,
    );
    expect(answer.lease?.slots).toBeGreaterThanOrEqual(18);
    expect(root.inflight).toBeGreaterThanOrEqual(18);
    expect(root.state(T0).loadLevel).toBe("normal");
    // The root's own requests still count: the slot it kept, taken, is all of its own share.
    const own = root.acquire(request("normal", T0), T0);
    expect(own.kind).toBe("granted");
    expect(root.state(T0).loadLevel).toBe("elevated");
  });
});

/**
 * A shard whose root is scripted: every renewal request is recorded and answered by `answer`
 * (a lease "L<n>" of `tokens` and `slots` by default), timers are collected to be fired by hand.
 */
type ScriptedAnswer = Partial<ShardLeaseGrant> & { tokens?: number; slots?: number };
function scriptedShard(answer: (req: ShardLeaseRequest, n: number) => ScriptedAnswer | Promise<ScriptedAnswer> = () => ({})) {
  let now = T0;
  const quota = testQuota({ rateLimit: { requests: 100, windowMs: 1000, burst: 100 }, maxConcurrency: 8, minConcurrency: 1 });
  const requests: ShardLeaseRequest[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const shardMap = { version: 2, k: 2, shards: [{ id: "t#0", weight: 1 }, { id: "t#1", weight: 1 }], unhealthy: [] };
  const shard = new ShardServing({
    index: 0,
    root: "t",
    renew: async (req) => {
      requests.push(structuredClone(req));
      const { tokens = 10, slots = 4, ...over } = await answer(req, requests.length);
      const lease = { id: `L${requests.length}`, tokens, slots, expiresAt: now + 2000, ttlMs: 2000 };
      return { lease, targetSlots: slots, quota, loadLevel: "normal", rateLimit: { quota: 100, windowSeconds: 1, remaining: 50, resetSeconds: 1 }, shardMap, retired: false, ...over };
    },
    later: (fn, ms) => timers.push({ fn, ms }),
    clock: () => now,
    buildCore: (q, at) => new AdmissionCore({ quota: q, now: at, funded: true, random: () => 0.5 }),
  });
  return { shard, requests, timers, quota, shardMap, advance: (ms: number) => (now += ms), now: () => now };
}

const ok = { latencyMs: 5, outcome: "success" } as const;

describe("ShardServing's renewals", () => {
  it("asks for a first lease on the first acquire, admits with it and reports its wallet, cap and expiry", async () => {
    const s = scriptedShard();
    expect(await answer(s.shard, request("normal", T0), T0, false)).toBe("granted");
    expect(s.requests).toEqual([{ index: 0, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 1, callsPerSec: 1, samples: [] }]);
    expect(s.shard.state()).toEqual({ index: 0, root: "t", walletTokens: 9, cap: 4, retired: false, leaseExpiresAt: T0 + 2000 });
    expect(s.shard.shardMap).toEqual(s.shardMap);
    expect(s.shard.admission?.currentQuota.maxConcurrency).toBe(4);
    expect(s.timers.map((t) => t.ms)).toEqual([QUIET_MS]);
  });

  it("renews in the background once half the lease's time is gone, covering its cap, carrying samples and the tokens beyond twice its grant", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? {} : { tokens: 2, targetSlots: 2 }));
    await answer(s.shard, request("normal", T0), T0);
    s.shard.noteRelease(ok);
    s.shard.noteCall(T0);
    // 999 ms in: not due yet.
    expect(await answer(s.shard, request("normal", T0 + 999), T0 + 999)).toBe("granted");
    expect(s.requests).toHaveLength(1);
    s.advance(1250);
    expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("granted");
    await flushPromises();
    // Arrivals: 2 in the previous second, weighted 3/4 a quarter into this one, plus this one's 1;
    // calls: 4 then (this acquire and the renewal) 2.
    expect(s.requests[1]).toEqual({ index: 0, leaseId: "L1", heldSlots: 4, walletTokens: 8, returnedTokens: 0, demandRps: 2.5, callsPerSec: 3.25, samples: [ok] });
    // The second grant is 2 tokens: the wallet (7 + 2) now holds more than twice it, and the excess goes back.
    // Nothing runs: the cap moves down to the target of 2 at once.
    expect(s.shard.state()).toMatchObject({ walletTokens: 9, cap: 2 });
    await s.shard.renewNow(s.now());
    expect(s.requests[2]).toMatchObject({ leaseId: "L2", heldSlots: 2, walletTokens: 4, returnedTokens: 5, samples: [] });
    // One quiet check pending at a time, whatever the renewals.
    expect(s.timers.map((t) => t.ms)).toEqual([QUIET_MS]);
  });

  it("looks for quiet again a moment later while a renewal is under way", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? {} : new Promise<never>(() => undefined)));
    await answer(s.shard, request("normal", T0), T0);
    s.advance(1000);
    // Half the lease's time: a background renewal, which the root does not answer.
    await answer(s.shard, request("normal", s.now()), s.now());
    expect(s.requests).toHaveLength(2);
    s.advance(QUIET_MS);
    s.timers.shift()?.fn();
    expect(s.timers.map((t) => t.ms)).toEqual([1]);
    expect(s.requests).toHaveLength(2);
  });

  it("asks again, and waits, when its lease holds no slot", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? { slots: 0 } : {}));
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("not_serving");
    expect(s.shard.state().cap).toBe(0);
    s.advance(MIN_RENEW_GAP_MS);
    expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("granted");
    expect(s.requests).toHaveLength(2);
  });

  it("with an empty lease (no slot, no tokens: more shards than the limit has slots) answers not_serving at once, renewing at most once per MIN_RENEW_GAP_MS", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? { tokens: 0, slots: 0 } : {}));
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("not_serving");
    s.advance(1);
    expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("not_serving");
    expect(s.requests).toHaveLength(1);
    s.advance(MIN_RENEW_GAP_MS);
    expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("granted");
    expect(s.requests).toHaveLength(2);
  });

  it("gives its wallet back once no acquire came for QUIET_MS, looking again later while acquires still came", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? {} : { lease: undefined, targetSlots: 0 }));
    await answer(s.shard, request("normal", T0), T0);
    s.advance(300);
    await answer(s.shard, request("normal", s.now()), s.now());
    s.advance(200);
    s.timers.shift()?.fn();
    // The last acquire was 200 ms ago: another look in 300 ms, no renewal yet.
    expect(s.timers.map((t) => t.ms)).toEqual([300]);
    expect(s.requests).toHaveLength(1);
    s.advance(300);
    s.timers.shift()?.fn();
    await flushPromises();
    expect(s.requests[1]).toEqual({ index: 0, leaseId: "L1", heldSlots: 0, walletTokens: 0, returnedTokens: 8, demandRps: 0, callsPerSec: 2, samples: [] });
    expect(s.shard.state()).toMatchObject({ walletTokens: 0, cap: 0, leaseExpiresAt: null });
    // No lease left: nothing more to give back, no further look.
    expect(s.timers).toEqual([]);
  });

  it("gives back at a renewal exactly QUIET_MS after the last acquire, not before", async () => {
    for (const [after, returnedTokens, demandRps] of [[QUIET_MS - 1, 0, 1], [QUIET_MS, 9, 0]] as const) {
      const s = scriptedShard();
      await answer(s.shard, request("normal", T0), T0);
      s.advance(after);
      await s.shard.renewNow(s.now());
      expect(s.requests[1]).toMatchObject({ returnedTokens, demandRps });
    }
  });

  it("asks for a renewal and waits for it only when its wallet is short of the request's cost", async () => {
    const s = scriptedShard(() => ({ tokens: 2 }));
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("granted");
    // One token left for a request of one: decided here, no renewal.
    expect(await answer(s.shard, request("normal", T0 + 100), T0 + 100)).toBe("granted");
    expect(s.requests).toHaveLength(1);
  });

  it("waits for a renewal of a dry wallet only MIN_RENEW_GAP_MS after the last, else sends the request on to the root", async () => {
    const pending = new Promise<never>(() => undefined);
    for (const [gap, expected] of [[MIN_RENEW_GAP_MS - 1, "not_serving"], [MIN_RENEW_GAP_MS, "granted"]] as const) {
      const s = scriptedShard((_, n) => (n === 1 || gap === MIN_RENEW_GAP_MS ? { tokens: 1 } : pending));
      await answer(s.shard, request("normal", T0), T0);
      s.advance(gap);
      expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe(expected);
    }
  });

  it("does not ask again for a dry wallet when the root holds no tokens for it: the tenant over its rate is answered 429 here", async () => {
    // One token in 10 s, split over K = 2: the root's last answer left none, and its refill gives this shard none for 20 s.
    const slowQuota = testQuota({ rateLimit: { requests: 1, windowMs: 10_000, burst: 1 }, maxConcurrency: 8, minConcurrency: 1 });
    const s = scriptedShard(() => ({ tokens: 1, quota: slowQuota, rateLimit: { quota: 1, windowSeconds: 10, remaining: 0, resetSeconds: 10 } }));
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("granted");
    for (let at = MIN_RENEW_GAP_MS; at < DRY_RECHECK_MS; at += MIN_RENEW_GAP_MS) {
      s.advance(MIN_RENEW_GAP_MS);
      expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("over_rate");
    }
    expect(s.requests).toHaveLength(1);
    // DRY_RECHECK_MS after the last answer it asks anyway: tokens may have come back to the root unseen.
    s.advance(DRY_RECHECK_MS - (s.now() - T0));
    await answer(s.shard, request("normal", s.now()), s.now());
    expect(s.requests).toHaveLength(2);
  });

  it("gives everything back when retired, then serves nothing and asks again only every RETIRED_RECHECK_MS", async () => {
    // The root's drain lease covers the request still running, with no token.
    const s = scriptedShard((_, n) => (n === 1 ? {} : { tokens: 0, slots: 1, targetSlots: 0, retired: true }));
    // Granted and still running.
    expect(await answer(s.shard, request("normal", T0), T0, false)).toBe("granted");
    s.advance(100);
    await s.shard.surrender(s.now());
    expect(s.requests[1]).toEqual({ index: 0, leaseId: "L1", heldSlots: 1, walletTokens: 0, returnedTokens: 9, demandRps: 0, callsPerSec: 1, samples: [] });
    expect(s.shard.state()).toEqual({ index: 0, root: "t", walletTokens: 0, cap: 1, retired: true, leaseExpiresAt: T0 + 100 + 2000 });
    // The quiet check of the first lease finds nothing to give back.
    s.advance(400);
    s.timers.shift()?.fn();
    expect(s.timers).toEqual([]);
    s.advance(RETIRED_RECHECK_MS - 401);
    expect(await s.shard.acquire(request("normal", s.now()), s.now())).toEqual({
      kind: "not_serving",
      result: { granted: false, reason: "shed", detail: "not_serving", retryAfterMs: 0, loadLevel: "normal", rateLimit: s.shard.admission?.rateLimit(s.now()) },
    });
    expect(s.requests).toHaveLength(2);
    s.advance(1);
    expect((await s.shard.acquire(request("normal", s.now()), s.now())).kind).toBe("not_serving");
    expect(s.requests).toHaveLength(3);
    // A retired shard's lease gets no quiet check.
    expect(s.timers).toEqual([]);
  });

  it("covers only what still runs once its lease lapsed, and keeps the samples of a renewal that failed for the next", async () => {
    const s = scriptedShard((_, n) => {
      if (n === 2) throw new Error("root unreachable");
      return {};
    });
    expect(await answer(s.shard, request("normal", T0), T0, false)).toBe("granted");
    s.shard.noteRelease(ok);
    // 200 ms before the root's TTL the shard stops using its lease.
    s.advance(2000 - 200);
    await expect(s.shard.acquire(request("normal", s.now()), s.now())).rejects.toThrow("root unreachable");
    expect(s.requests[1]).toMatchObject({ leaseId: "L1", heldSlots: 1, samples: [ok] });
    const late = { latencyMs: 9, outcome: "error" } as const;
    s.shard.noteRelease(late);
    // The renewal answered: the shard decides (its one running request keeps the new one waiting).
    expect((await s.shard.acquire(request("normal", s.now()), s.now())).kind).toBe("decided");
    expect(s.requests[2]).toMatchObject({ leaseId: "L1", heldSlots: 1, samples: [ok, late] });
  });

  it("keeps at most 64 samples after a failed renewal, those it failed to carry first", async () => {
    let fail: (err: Error) => void = () => undefined;
    const s = scriptedShard((_, n) => (n === 2 ? new Promise<never>((_, reject) => (fail = reject)) : {}));
    await answer(s.shard, request("normal", T0), T0);
    for (let i = 0; i < 64; i++) s.shard.noteRelease({ latencyMs: i, outcome: "success" });
    const failing = s.shard.renewNow(T0);
    for (let i = 64; i < 67; i++) s.shard.noteRelease({ latencyMs: i, outcome: "success" });
    fail(new Error("root unreachable"));
    await expect(failing).rejects.toThrow("root unreachable");
    await s.shard.renewNow(T0);
    expect(s.requests[2]?.samples.map((r) => r.latencyMs)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it("carries at most 64 latency samples to its root", async () => {
    const s = scriptedShard();
    await answer(s.shard, request("normal", T0), T0);
    for (let i = 0; i < 70; i++) s.shard.noteRelease({ latencyMs: i, outcome: "success" });
    await s.shard.renewNow(T0);
    expect(s.requests[1]?.samples.map((r) => r.latencyMs)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it("is not serving before any lease, with an empty rate limit", () => {
    const s = scriptedShard();
    expect(s.shard.state()).toEqual({ index: 0, root: "t", walletTokens: 0, cap: 0, retired: false, leaseExpiresAt: null });
    expect(s.shard.admission).toBeUndefined();
    expect(s.shard.shardMap).toBeUndefined();
  });
});

describe("ShardServing between renewals", () => {
  it("applies a quota that changed at a renewal, its cap unchanged", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? {} : { quota: { ...s.quota, queueSize: 3 } }));
    await answer(s.shard, request("normal", T0), T0);
    await s.shard.renewNow(T0);
    expect(s.shard.admission?.currentQuota).toMatchObject({ queueSize: 3, maxConcurrency: 4 });
  });

  it("sends a dry wallet's requests to the root only as far as its share of the root's refill since the last answer covers them", async () => {
    // The root had nothing left; it refills 0.1 a ms, 0.05 of it this shard's (K = 2). Its second answer never comes.
    const s = scriptedShard((_, n) => (n === 1 ? { tokens: 1, rateLimit: { quota: 100, windowSeconds: 1, remaining: 0, resetSeconds: 1 } } : new Promise<never>(() => undefined)));
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("granted");
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push(await answer(s.shard, request("normal", s.advance(10)), s.now()));
    expect(answers).toEqual(["over_rate", "not_serving", "over_rate", "not_serving"]);
    // A request stamped before the shard's clock is judged at the clock: 20 ms more of refill cover it.
    s.advance(20);
    expect(await answer(s.shard, request("normal", T0), T0)).toBe("not_serving");
  });

  it("renews in the background once it spent more than half its grant", async () => {
    const s = scriptedShard();
    for (let i = 0; i < 6; i++) await answer(s.shard, request("normal", T0), T0);
    // 4 left of 10: not yet below half when this one came in.
    expect(s.requests).toHaveLength(1);
    await answer(s.shard, request("normal", T0 + 10), T0 + 10);
    expect(s.requests).toHaveLength(2);
  });

  it("counts arrivals in whole seconds from the first, forgetting a second that is two or more behind", async () => {
    const s = scriptedShard();
    s.advance(300);
    await answer(s.shard, request("normal", s.now()), s.now());
    s.advance(1250);
    await answer(s.shard, request("normal", s.now()), s.now());
    // Buckets start at T0 + 300 and T0 + 1300: a quarter into the second, the first weighs 3/4.
    expect(s.requests[1]?.demandRps).toBe(1.75);
    // Exactly two seconds after T0 + 1300: both earlier seconds are forgotten.
    s.advance(1750);
    await answer(s.shard, request("normal", s.now()), s.now());
    expect(s.requests[2]?.demandRps).toBe(1);
  });

  it("starts a new second exactly a second after the last one started", async () => {
    const s = scriptedShard();
    await answer(s.shard, request("normal", T0), T0);
    s.advance(1000);
    await answer(s.shard, request("normal", s.now()), s.now());
    await flushPromises();
    s.advance(400);
    await s.shard.renewNow(s.now());
    // Seconds from T0 + 1000: its arrival, and T0's weighted 0.6.
    expect(s.requests[2]?.demandRps).toBe(1.6);
  });

  it("does not ask a retired shard with no lease to renew before RETIRED_RECHECK_MS", async () => {
    const s = scriptedShard((_, n) => (n === 1 ? {} : { lease: undefined, targetSlots: 0, retired: true }));
    await answer(s.shard, request("normal", T0), T0);
    await s.shard.surrender(T0);
    s.advance(10);
    expect(await answer(s.shard, request("normal", s.now()), s.now())).toBe("not_serving");
    expect(s.requests).toHaveLength(2);
  });

  it("counts itself retired even when the give-back fails", async () => {
    const s = scriptedShard((_, n) => {
      if (n === 2) throw new Error("root unreachable");
      return {};
    });
    await answer(s.shard, request("normal", T0), T0);
    await expect(s.shard.surrender(T0)).rejects.toThrow("root unreachable");
    expect(s.shard.state().retired).toBe(true);
  });
});

describe("shardQuota", () => {
  it("bounds the tenant's concurrency by the shard's whole cap, at least 1", () => {
    expect(shardQuota(testQuota({ minConcurrency: 3, maxConcurrency: 50 }), 2.7)).toMatchObject({ maxConcurrency: 2, minConcurrency: 2 });
    expect(shardQuota(testQuota({ minConcurrency: 1, maxConcurrency: 50 }), 0)).toMatchObject({ maxConcurrency: 1, minConcurrency: 1 });
    expect(shardQuota(testQuota({ minConcurrency: 1, maxConcurrency: 50 }), 6)).toMatchObject({ maxConcurrency: 6, minConcurrency: 1 });
  });
});
