import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { ShardPlan } from "../../../durable-objects/admission/shard-plan";
import { ShardServing } from "../../../durable-objects/admission/shard-serving";
import type { Quota } from "../../../durable-objects/contracts/admission";
import type { ShardLeaseGrant, ShardLeaseRequest } from "../../../durable-objects/contracts/shards";
import { request, T0, testQuota } from "./support";

/**
 * A shard whose wallet ran dry between renewals: a 429 only when the tenant is over its rate
 * (the root's bucket is empty too); otherwise the request goes to the root, which can serve it.
 */
function shardOf(quota: Quota, { rootAnswersOnce = false, k = 1 } = {}) {
  let now = T0;
  let renewals = 0;
  const root = new AdmissionCore({ quota, now, random: () => 0.5 });
  const plan = new ShardPlan({ tenant: "t", targetRps: 1, maxShards: 8 }, now);
  // Calls well past 70 % of K x target: the plan doubles K up to k (its cap here).
  if (k > 1) {
    for (let i = 0; i < 100; i++) plan.noteCall();
    plan.tick(now + 1000, true);
  }
  const renew = async (req: ShardLeaseRequest): Promise<ShardLeaseGrant> => {
    // A root that is slow to answer: the background top-up is still on its way.
    if (rootAnswersOnce && renewals++ > 0) return new Promise<ShardLeaseGrant>(() => undefined);
    const answer = root.renewShardLease(req, { ...plan.liveDemand(now, root.limit), liveShards: 2, retired: false }, now);
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

/** Admits (and at once releases) through the shard until its wallet is empty; returns how many it admitted. */
async function drainWallet(shard: ShardServing, now: number): Promise<number> {
  let admitted = 0;
  for (let i = 0; i < 100; i++) {
    const req = request("critical", now);
    const core = shard.admission;
    if (core && core.tokens(now) < 1) return admitted;
    if ((await shard.prepare(req, now)) ?? shard.beforeAcquire(req, now)) return admitted;
    const outcome = shard.admission?.acquire(req, now);
    if (outcome?.kind !== "granted") return admitted;
    shard.admission?.release(outcome.result.ticket, { latencyMs: 1, outcome: "success" }, now);
    admitted++;
  }
  return admitted;
}

describe("ShardServing with an empty wallet", () => {
  it("sends the request to the root while the root's bucket still holds tokens", async () => {
    const { shard, root, now } = shardOf(testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, maxConcurrency: 50 }), { rootAnswersOnce: true });
    const admitted = await drainWallet(shard, now());
    expect(admitted).toBeGreaterThan(0);
    expect(root.tokens(now())).toBeGreaterThan(1);
    // Its top-up is still on the way and it asked too recently to wait for one: it must not answer 429 itself.
    const req = request("critical", now());
    const refusal = (await shard.prepare(req, now())) ?? shard.beforeAcquire(req, now());
    expect(refusal).toMatchObject({ granted: false, detail: "not_serving" });
  });

  it("lets its core answer 429 over_rate when the root's bucket is empty too", async () => {
    const { shard, root, now } = shardOf(testQuota({ rateLimit: { requests: 1, windowMs: 1_000_000, burst: 4 }, maxConcurrency: 50 }));
    const admitted = await drainWallet(shard, now());
    expect(admitted).toBe(4);
    expect(root.tokens(now())).toBeLessThan(1);
    const req = request("critical", now());
    expect(await shard.prepare(req, now())).toBeUndefined();
    expect(shard.beforeAcquire(req, now())).toBeUndefined();
    const outcome = shard.admission?.acquire(req, now());
    expect(outcome).toMatchObject({ kind: "rejected", result: { granted: false, reason: "rate_limited", detail: "over_rate" } });
  });
});

describe("ShardServing's saturation floor", () => {
  it("counts the tenant's arrivals across its K shards: a flood spread thin is still shed", async () => {
    const { shard, plan, advance, now } = shardOf(testQuota({ maxConcurrency: 64 }), { k: 8 });
    expect(plan.k).toBe(8);
    await shard.prepare(request("critical", now()), now());
    const core = shard.admission;
    if (!core) throw new Error("the shard holds no lease");
    // A saturated thread: every timer 150 ms late for three seconds.
    for (let t = 0; t < 3000; t += 10) core.observeLag(150, advance(10));
    // 20 low requests a second at this shard: 160 a second for the tenant, past the floor of 50.
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const req = request("low", advance(50));
      if (await shard.prepare(req, now())) continue;
      const outcome = core.acquire(req, now());
      outcomes.push(outcome.kind === "rejected" ? (outcome.result.detail ?? outcome.result.reason) : outcome.kind);
    }
    expect(outcomes.slice(-10)).toEqual(Array.from({ length: 10 }, () => "saturated"));
  });
});

describe("ShardServing when many requests wait for one renewal", () => {
  it("sends those its wallet cannot cover to the root instead of answering them 429", async () => {
    const { shard, now } = shardOf(testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, maxConcurrency: 64 }));
    // Thirty requests arrive at a fresh shard together: all wait for its first lease (a few tokens).
    const reqs = Array.from({ length: 30 }, () => request("critical", now()));
    const answers = await Promise.all(
      reqs.map(async (req) => {
        const refusal = (await shard.prepare(req, now())) ?? shard.beforeAcquire(req, now());
        if (refusal) return refusal.detail;
        const outcome = shard.admission?.acquire(req, now());
        return outcome?.kind === "rejected" ? outcome.result.detail : outcome?.kind;
      }),
    );
    expect(answers).not.toContain("over_rate");
    expect(answers).toContain("not_serving");
    expect(answers.filter((a) => a === "granted" || a === "queued").length).toBeGreaterThan(0);
  });
});
