import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { SCALE_UP_AFTER_MS } from "../../../durable-objects/admission/shard-autoscaler";
import { ShardPlan } from "../../../durable-objects/admission/shard-plan";
import { ShardServing } from "../../../durable-objects/admission/shard-serving";
import type { AcquireRequest, Quota } from "../../../durable-objects/contracts/admission";
import type { ShardLeaseGrant, ShardLeaseRequest } from "../../../durable-objects/contracts/shards";
import { request, T0, testQuota } from "./support";

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
      for (let i = 0; i < 100; i++) plan.noteCall();
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
    // A saturated thread: every timer 150 ms late for three seconds.
    for (let t = 0; t < 3000; t += 10) core.observeLag(150, advance(10));
    // 20 low requests a second at this shard: 160 a second for the tenant, past the floor of 50.
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) outcomes.push(await answer(shard, request("low", advance(50)), now()));
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
