import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_SHEDDER, MAX_PASS_SCALE, SaturationShedder } from "../../../durable-objects/admission/saturation-shedder";
import { GOVERNOR_DEFAULTS, GovernorCore } from "../../../durable-objects/governor/governor-core";
import { SaturationSteering } from "../../../durable-objects/governor/saturation-steering";

const tenant = (id: string, admittedPerSec: number, wantedPerSec: number, weight = 1) => ({ tenant: id, admittedPerSec, wantedPerSec, weight });

describe("SaturationSteering", () => {
  it("splits the fleet's admitted rate by weight among the tenants that want more, and moves their scales toward it", () => {
    const steering = new SaturationSteering();
    steering.step([tenant("a", 100, 1000), tenant("b", 100, 1000), tenant("c", 100, 1000, 2)]);
    expect([steering.fairRateOf("a"), steering.fairRateOf("b"), steering.fairRateOf("c")]).toEqual([75, 75, 150]);
    // c at half its fair rate, a and b at 4/3 of theirs; the logs centred on 0.
    expect(steering.scaleOf("c")).toBeGreaterThan(1);
    expect(steering.scaleOf("a")).toBeLessThan(1);
    expect(steering.scaleOf("a")).toBeCloseTo(steering.scaleOf("b"), 10);
    expect(steering.scaleOf("a") * steering.scaleOf("b") * steering.scaleOf("c")).toBeCloseTo(1, 10);
    expect(steering.scaleOf("unknown")).toBe(1);
    expect(steering.fairRateOf("unknown")).toBe(0);
  });

  it("gives a tenant alone, or the only one being shed, scale 1: work conservation is the level's", () => {
    const alone = new SaturationSteering();
    for (let i = 0; i < 5; i++) alone.step([tenant("a", 100, 1000)]);
    expect(alone.scaleOf("a")).toBe(1);
    const oneShed = new SaturationSteering();
    for (let i = 0; i < 5; i++) oneShed.step([tenant("noisy", 100, 1000), tenant("quiet", 10, 10)]);
    expect(oneShed.scaleOf("noisy")).toBe(1);
    expect(oneShed.fairRateOf("quiet")).toBe(10);
  });

  it("brings the scale of a tenant no longer shed back toward 1, and forgets a tenant no longer reported", () => {
    const steering = new SaturationSteering();
    steering.step([tenant("a", 100, 1000), tenant("b", 300, 1000)]);
    const wasA = Math.log2(steering.scaleOf("a"));
    expect(wasA).toBeGreaterThan(0);
    // a now wants what it gets; its smoothed wanted rate takes a few steps to come down to it.
    for (let i = 0; i < 20; i++) steering.step([tenant("a", 100, 100), tenant("b", 300, 1000)]);
    expect(Math.log2(steering.scaleOf("a"))).toBeLessThan(wasA / 2);
    expect(steering.scaleOf("b")).toBe(1); // the only one shed now
    steering.step([tenant("b", 300, 1000)]);
    expect(steering.scaleOf("a")).toBe(1);
    expect(steering.fairRateOf("a")).toBe(0);
  });

  it("keeps every scale within its bounds, the shed tenants' scales centred on 1, and no fair rate above what its tenant wants", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 20 }),
        (rounds) => {
          const steering = new SaturationSteering();
          const mostWanted = new Map<string, number>();
          for (const round of rounds) {
            const inputs = round.map(([admitted, extra, weight], i) => tenant(`t${i}`, admitted, admitted + extra, weight));
            for (const t of inputs) mostWanted.set(t.tenant, Math.max(mostWanted.get(t.tenant) ?? 0, t.wantedPerSec));
            steering.step(inputs);
            for (const t of inputs) {
              const scale = steering.scaleOf(t.tenant);
              expect(scale).toBeGreaterThanOrEqual(1 / MAX_PASS_SCALE);
              expect(scale).toBeLessThanOrEqual(MAX_PASS_SCALE);
              expect(steering.fairRateOf(t.tenant)).toBeLessThanOrEqual(Math.ceil(mostWanted.get(t.tenant) ?? 0));
            }
          }
        },
      ),
    );
  });
});

describe("SaturationSteering, over-served tenants", () => {
  it("marks a tenant admitted above 1.25x its fair rate while another, freshly reported, is refused", () => {
    const steering = new SaturationSteering();
    steering.step([tenant("a", 390, 400), tenant("b", 20, 1200), tenant("c", 20, 1200, 2)]);
    // Fair rates 107.5 : 107.5 : 215 of the 430 admitted; a takes 390.
    expect(steering.isOverServed("a")).toBe(true);
    expect(steering.isOverServed("b")).toBe(false);
    expect(steering.isOverServed("c")).toBe(false);
    expect(steering.isOverServed("unknown")).toBe(false);
  });

  it("does not mark a tenant alone, one under 1.25x its fair rate, or one beside a neighbour whose report is stale", () => {
    const alone = new SaturationSteering();
    alone.step([tenant("reader", 700, 700)]);
    expect(alone.isOverServed("reader")).toBe(false);
    const near = new SaturationSteering();
    near.step([tenant("a", 120, 130), tenant("b", 100, 1000)]);
    expect(near.isOverServed("a")).toBe(false); // fair 110, 1.25x of it is 137.5
    const stale = new SaturationSteering();
    stale.step([tenant("reader", 700, 700), { ...tenant("gone", 50, 900), fresh: false }]);
    expect(stale.isOverServed("reader")).toBe(false);
    // The quiet tenant beside a flood gets what it asks: never over-served.
    const quiet = new SaturationSteering();
    quiet.step([tenant("quiet", 20, 20), tenant("noisy", 300, 1500)]);
    expect(quiet.isOverServed("quiet")).toBe(false);
  });
});

describe("GovernorCore, saturation steering", () => {
  const rates = (tenant: string, admittedPerSec: number, wantedPerSec: number, extra: { shard?: number; weight?: number } = {}) => ({
    tenant,
    at: 0,
    demand: 1,
    admittedPerSec,
    wantedPerSec,
    dbMsPerSec: 0,
    dbQueries: 0,
    dbMs: 0,
    weight: extra.weight ?? 1,
    ...(extra.shard !== undefined ? { shard: extra.shard } : {}),
  });

  it("answers with scale 1 and no fair rate until its first tick, then with the steering's", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    expect(core.report(rates("a", 100, 1000), 0)).toMatchObject({ fairRatePerSec: 0, passScale: 1 });
    core.report(rates("b", 300, 1000), 0);
    core.tick(1000);
    const a = core.report(rates("a", 100, 1000), 1000);
    expect(a.fairRatePerSec).toBe(200);
    expect(a.passScale).toBeGreaterThan(1);
    expect(core.view(1000).tenants.map((t) => [t.tenant, t.fairRatePerSec, t.passScale > 1])).toEqual([
      ["a", 200, true],
      ["b", 200, false],
    ]);
  });

  it("tells an over-served tenant to lease nothing while a neighbour's fresh report says it is refused, and lifts it once that report is stale", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report(rates("a", 390, 400), 0);
    core.report(rates("b", 20, 1200), 0);
    core.tick(1000);
    expect(core.report(rates("a", 390, 400), 1000).leases).toBe(false);
    expect(core.report(rates("b", 20, 1200), 1000).leases).toBe(true);
    // b stops: its last report (at 1 000) is still fresh at the tick at 2 000, stale at 3 000.
    core.tick(2000);
    expect(core.report(rates("a", 390, 400), 2000).leases).toBe(false);
    core.tick(3000);
    expect(core.report(rates("a", 390, 400), 3000).leases).toBe(true);
  });

  it("adds a sharded tenant's shard reports to its rates, answers its shards with its scale, and takes no demand from them", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report(rates("a", 100, 1000), 0);
    core.report(rates("b", 150, 500, { shard: 0 }), 0);
    core.report(rates("b", 150, 500, { shard: 1 }), 0);
    core.tick(1000);
    expect(core.view(1000).tenants.map((t) => t.tenant)).toEqual(["a"]); // a shard has no demand of its own
    const shard = core.report(rates("b", 150, 500, { shard: 1 }), 1000);
    expect(shard.fairRatePerSec).toBe(200);
    expect(shard.passScale).toBeLessThan(1);
    expect(core.report(rates("a", 100, 1000), 1000).passScale).toBeGreaterThan(1);
    // Silent shards are forgotten like silent roots: a alone is back to scale 1.
    core.tick(1000 + GOVERNOR_DEFAULTS.staleAfterMs);
    core.report(rates("a", 100, 1000), 1000 + GOVERNOR_DEFAULTS.staleAfterMs);
    for (let t = 2; t < 10; t++) {
      core.report(rates("a", 100, 1000), t * GOVERNOR_DEFAULTS.staleAfterMs);
      core.tick(t * GOVERNOR_DEFAULTS.staleAfterMs);
    }
    expect(core.report(rates("a", 100, 1000), 10 * GOVERNOR_DEFAULTS.staleAfterMs).passScale).toBe(1);
  });

  it("counts a sharded tenant's demand as its root's own plus its shards', so it is shared like any other tenant's", () => {
    const core = new GovernorCore({ maxBudget: 12 });
    // a: sharded; its root runs 1 and reports that (not the slots reserved for its shards), each shard runs 4 and queues 4.
    core.report({ ...rates("a", 0, 0, { shard: 0 }), demand: 8, inflight: 4 }, 0);
    core.report({ ...rates("a", 0, 0, { shard: 1 }), demand: 8, inflight: 4 }, 0);
    core.report({ ...rates("a", 0, 0), demand: 1, inflight: 1 }, 0);
    // b: one controller, 4 running and 13 queued: the same demand.
    core.report({ ...rates("b", 0, 0), demand: 17, inflight: 4 }, 0);
    const view = core.view(0);
    expect(view.tenants.map((t) => [t.tenant, t.demand])).toEqual([["a", 17], ["b", 17]]);
    expect(view.totalDemand).toBe(2 * (17 + GOVERNOR_DEFAULTS.headroom));
    // Equal weights, equal demand, a binding budget: equal shares, whichever tenant is split over shards.
    expect(core.shareOf("a")).toBe(core.shareOf("b"));
    expect(core.shareOf("a") + core.shareOf("b")).toBeLessThanOrEqual(12);
  });

  it("reads a shard index that is not a whole number >= 0 as a root's report", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report(rates("a", 1, 1, { shard: -1 }), 0);
    core.report(rates("b", 1, 1, { shard: 1.5 }), 0);
    expect(core.view(0).tenants.map((t) => t.tenant)).toEqual(["a", "b"]);
  });
});

/** A deterministic uniform source (a linear congruential generator). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("tenants sharing a saturated thread, steered by one governor", () => {
  const WINDOW = DEFAULT_SHEDDER.windowMs;

  /**
   * Each tenant's controller has its own shedder, all reading the same thread's lag: late while
   * the fleet admits more than the thread can serve. Every second each reports to the governor
   * and applies the offset it answers; the governor ticks. Returns the admitted shares over the
   * last 20 of 60 s.
   */
  function simulate(weights: readonly number[], offeredPerSec: number, capacityPerSec: number, steered: boolean): number[] {
    const random = seeded(7);
    const governor = new GovernorCore({ maxBudget: 50 });
    const shedders = weights.map(() => new SaturationShedder());
    const admittedLate = weights.map(() => 0);
    const ticksPerSec = 1000 / WINDOW;
    let now = 1_000_000;
    for (let second = 0; second < 60; second++) {
      const admitted = weights.map(() => 0);
      const shed = weights.map(() => 0);
      for (let tick = 0; tick < ticksPerSec; tick++) {
        let admittedThisTick = 0;
        shedders.forEach((shedder, i) => {
          for (let r = 0; r < offeredPerSec / ticksPerSec; r++) {
            if (shedder.shouldShed("normal", random(), now)) shed[i]!++;
            else {
              admitted[i]!++;
              admittedThisTick++;
            }
          }
        });
        now += WINDOW;
        const lag = admittedThisTick > capacityPerSec / ticksPerSec ? 2 * DEFAULT_SHEDDER.targetMs : 0;
        for (const shedder of shedders) shedder.observeLag(lag, now);
      }
      weights.forEach((weight, i) => {
        const reply = governor.report({ tenant: `t${i}`, at: now, demand: 1, admittedPerSec: admitted[i]!, wantedPerSec: admitted[i]! + shed[i]!, dbMsPerSec: 0, dbQueries: 0, dbMs: 0, weight }, now);
        if (steered) shedders[i]!.setPassScale(reply.passScale);
        if (second >= 40) admittedLate[i]! += admitted[i]!;
      });
      governor.tick(now);
    }
    const total = admittedLate.reduce((a, b) => a + b, 0);
    return admittedLate.map((a) => a / total);
  }

  it("serves three tenants weighted 1 : 1 : 2, each offering 2x the thread's capacity, within 10 % of their weights' shares", () => {
    const shares = simulate([1, 1, 2], 400, 200, true);
    [0.25, 0.25, 0.5].forEach((expected, i) => expect(Math.abs(shares[i]! - expected) / expected).toBeLessThan(0.1));
  });

  it("without the scales the same fleet is served alike, whatever the weights (what the steering fixes)", () => {
    const shares = simulate([1, 1, 2], 400, 200, false);
    expect(Math.abs(shares[2]! - 1 / 3)).toBeLessThan(0.05);
  });
});
