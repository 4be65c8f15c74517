import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { REQUEST_PRIORITIES } from "../../../durable-objects/contracts/admission";
import { DEFAULT_SHEDDER, MAX_SHED_LEVEL, SaturationShedder, shedderOptionsFor } from "../../../durable-objects/admission/saturation-shedder";
import { request, T0, testQuota } from "./support";

/**
 * Feeds one lag sample every 10 ms for `forMs`, lag given per sample time. A busy tenant (the
 * default) also sends five critical requests per sample, 500 a second: past the floor within its
 * first window, so its level may rise; a quiet one sends nothing.
 */
function feed(shedder: SaturationShedder, from: number, forMs: number, lagAt: (t: number) => number, { busy = true } = {}): number {
  let t = from;
  for (; t < from + forMs; t += 10) {
    for (let i = 0; busy && i < 5; i++) shedder.shouldShed("critical", 0, t);
    shedder.observeLag(lagAt(t), t);
  }
  return t;
}

describe("SaturationShedder", () => {
  it("sheds nothing while timers fire on time", () => {
    const shedder = new SaturationShedder();
    feed(shedder, T0, 5000, () => 1);
    expect(shedder.level).toBe(0);
    for (const p of REQUEST_PRIORITIES) expect(shedder.shedProbability(p)).toBe(0);
  });

  it("under sustained lag sheds low first, then normal, then high, and never critical", () => {
    const shedder = new SaturationShedder();
    let t = feed(shedder, T0, DEFAULT_SHEDDER.windowMs + 10, () => 1.5 * DEFAULT_SHEDDER.targetMs);
    expect(shedder.level).toBeGreaterThan(0);
    expect(shedder.shedProbability("low")).toBeGreaterThan(0);
    expect(shedder.shedProbability("normal")).toBe(0);
    t = feed(shedder, t, 3000, () => 10 * DEFAULT_SHEDDER.targetMs);
    expect(shedder.level).toBe(MAX_SHED_LEVEL);
    expect(shedder.shedProbability("high")).toBe(1);
    expect(shedder.shedProbability("critical")).toBe(0);
    expect(shedder.shouldShed("critical", 0, t)).toBe(false);
  });

  it("ignores one long task: a window with an on-time timer does not count as saturated", () => {
    const shedder = new SaturationShedder();
    // Every window holds one 200 ms-late timer and on-time ones.
    feed(shedder, T0, 5000, (t) => ((t - T0) % DEFAULT_SHEDDER.windowMs === 0 ? 200 : 0));
    expect(shedder.level).toBe(0);
  });

  it("holds the level for a while after the lag ends, then gives it back slowly", () => {
    const shedder = new SaturationShedder();
    // Five windows of lag at 10× the target: +1 level per window, capped.
    let t = feed(shedder, T0, 5 * DEFAULT_SHEDDER.windowMs + 10, () => 10 * DEFAULT_SHEDDER.targetMs);
    const peak = shedder.level;
    expect(peak).toBeGreaterThan(1);
    t = feed(shedder, t, DEFAULT_SHEDDER.holdMs - 100, () => 0);
    expect(shedder.level).toBe(peak);
    t = feed(shedder, t, 1000, () => 0);
    expect(shedder.level).toBeLessThan(peak);
    expect(shedder.level).toBeGreaterThan(0);
    feed(shedder, t, 60_000, () => 0);
    expect(shedder.level).toBe(0);
  });

  it("raises the level only for a tenant past the floor: one served elsewhere (isolate leases) banks no level to meet all at once later", () => {
    const quiet = new SaturationShedder();
    feed(quiet, T0, 3000, () => 10 * DEFAULT_SHEDDER.targetMs, { busy: false });
    expect(quiet.level).toBe(0);
    const busy = new SaturationShedder();
    feed(busy, T0, 3000, () => 10 * DEFAULT_SHEDDER.targetMs);
    expect(busy.level).toBe(MAX_SHED_LEVEL);
  });

  it("sheds only a tenant that sends at least minArrivalsPerSec: a trickle cannot be what saturates the thread", () => {
    const shedder = new SaturationShedder();
    let t = feed(shedder, T0, 3000, () => 10 * DEFAULT_SHEDDER.targetMs);
    expect(shedder.level).toBe(MAX_SHED_LEVEL);
    // Two seconds with nothing sent: the level neither rises nor falls (the lag stays), the arrivals are forgotten.
    t = feed(shedder, t, 2000, () => 10 * DEFAULT_SHEDDER.targetMs, { busy: false });
    expect(shedder.level).toBe(MAX_SHED_LEVEL);
    // A quiet tenant: 20 requests over a second, none shed.
    const quiet = Array.from({ length: 20 }, (_, i) => shedder.shouldShed("low", 0, t + i * 50));
    expect(quiet.every((shed) => !shed)).toBe(true);
    // The same controller under a flood: past the floor, lows are shed.
    const flood = Array.from({ length: 200 }, (_, i) => shedder.shouldShed("low", 0, t + 1000 + i * 2));
    expect(flood.slice(0, 20).some((shed) => shed)).toBe(false);
    expect(flood.slice(-100).every((shed) => shed)).toBe(true);
    expect(shedder.arrivalsPerSec(t + 1400)).toBeGreaterThanOrEqual(DEFAULT_SHEDDER.minArrivalsPerSec);
    // Quiet again for two seconds: the window forgets the flood.
    expect(shedder.arrivalsPerSec(t + 4000)).toBe(0);
  });

  it("applies the floor to the tenant's arrivals when they are spread over K shards", () => {
    const spread = new SaturationShedder();
    const alone = new SaturationShedder();
    feed(spread, T0, 3000, () => 10 * DEFAULT_SHEDDER.targetMs);
    feed(alone, T0, 3000, () => 10 * DEFAULT_SHEDDER.targetMs);
    // Then two seconds with nothing sent, so what follows is all either sees.
    let t = feed(spread, T0 + 3000, 2000, () => 10 * DEFAULT_SHEDDER.targetMs, { busy: false });
    feed(alone, T0 + 3000, 2000, () => 10 * DEFAULT_SHEDDER.targetMs, { busy: false });
    spread.spreadOver(4);
    // 20 a second at each of 4 shards is a tenant at 80 a second, past the floor of 50.
    const shedSpread: boolean[] = [];
    const shedAlone: boolean[] = [];
    for (let i = 0; i < 60; i++, t += 50) (shedSpread.push(spread.shouldShed("low", 0, t)), shedAlone.push(alone.shouldShed("low", 0, t)));
    expect(shedAlone.some((shed) => shed)).toBe(false);
    expect(shedSpread.slice(-20).every((shed) => shed)).toBe(true);
  });

  it("counts what a lease admitted once, not K times: an isolate's lease comes from one shard, not spread over all", () => {
    const shard = new SaturationShedder();
    shard.spreadOver(4);
    // 40 leased requests a second reported by renewals: under the floor of 50, whatever K.
    let t = T0;
    for (let i = 0; i < 30; i++, t += 100) {
      shard.countLeasedArrivals(4, t);
      shard.observeLag(10 * DEFAULT_SHEDDER.targetMs, t);
    }
    expect(shard.level).toBe(0);
    expect(shard.levelFor(t)).toBe(0);
    // 60 a second: past it, and the level rises.
    for (let i = 0; i < 30; i++, t += 100) {
      shard.countLeasedArrivals(6, t);
      shard.observeLag(10 * DEFAULT_SHEDDER.targetMs, t);
    }
    expect(shard.levelFor(t)).toBeGreaterThan(0);
  });

  it("keeps its level in [0, 3] and its shed probabilities ordered by priority, whatever the lags", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1000, noNaN: true })), { maxLength: 300 }), (steps) => {
        const shedder = new SaturationShedder();
        let t = T0;
        for (const [dt, lag] of steps) {
          t += dt;
          shedder.observeLag(lag, t);
          expect(shedder.level).toBeGreaterThanOrEqual(0);
          expect(shedder.level).toBeLessThanOrEqual(MAX_SHED_LEVEL);
          const [critical, high, normal, low] = (["critical", "high", "normal", "low"] as const).map((p) => shedder.shedProbability(p)) as [number, number, number, number];
          expect(critical).toBe(0);
          expect(low).toBeGreaterThanOrEqual(normal);
          expect(normal).toBeGreaterThanOrEqual(high);
        }
      }),
    );
  });
});

describe("CPU_MAX_CAPACITY", () => {
  it("the same lag trace sheds at 50 % and not at 100 %", () => {
    // Every timer 10 ms late: under the 100 % target (15 ms), over the 50 % one (7.5 ms).
    const trace = (shedder: SaturationShedder) => feed(shedder, T0, 2000, () => 10);
    const full = new SaturationShedder(shedderOptionsFor(100));
    const half = new SaturationShedder(shedderOptionsFor(50));
    const t = Math.max(trace(full), trace(half));
    expect(full.level).toBe(0);
    expect(half.level).toBeGreaterThan(0);
    const floods = (shedder: SaturationShedder) => Array.from({ length: 200 }, (_, i) => shedder.shouldShed("low", 0, t + i * 2)).filter(Boolean).length;
    expect(floods(full)).toBe(0);
    expect(floods(half)).toBeGreaterThan(0);
  });

  it("100 % is the calibrated target; a lower percent never sheds later", () => {
    expect(shedderOptionsFor(100)).toEqual(DEFAULT_SHEDDER);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(shedderOptionsFor(low).targetMs).toBeLessThanOrEqual(shedderOptionsFor(high).targetMs);
      }),
    );
    expect(() => shedderOptionsFor(0)).toThrow(/CPU_MAX_CAPACITY/);
    expect(() => shedderOptionsFor(101)).toThrow(/CPU_MAX_CAPACITY/);
  });
});

describe("AdmissionCore with a saturated thread", () => {
  it("raises the load level only for a tenant it sheds: under the arrivals floor the tenant stays normal and keeps its lease", () => {
    const shedder = new SaturationShedder(DEFAULT_SHEDDER);
    const quota = testQuota({ minConcurrency: 200, maxConcurrency: 200, limitAlgorithm: "aimd", rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 } });
    const core = new AdmissionCore({ quota, now: T0, random: () => 0.5, shedder });
    // The thread's level, raised while the tenant was busy; then two seconds without its requests.
    let t = feed(shedder, T0, 3 * DEFAULT_SHEDDER.windowMs + 10, () => 10 * DEFAULT_SHEDDER.targetMs);
    t = feed(shedder, t, 2000, () => 10 * DEFAULT_SHEDDER.targetMs, { busy: false });
    expect(core.saturationLevel).toBeGreaterThan(1);
    // A trickle: one request, far under minArrivalsPerSec. The thread's level is high, but this
    // tenant is not shed, so its grant reads normal and may carry a lease.
    const trickle = core.acquire(request("low", t, { leaseDemandRps: 40 }), t);
    expect(trickle).toMatchObject({ kind: "granted", result: { loadLevel: "normal" } });
    expect(trickle.kind === "granted" && trickle.result.isolateLease).toBeDefined();
    expect(core.state(t).loadLevel).toBe("normal");
    // The same tenant past the floor is shed, reads overloaded, and gets no lease.
    const flood = Array.from({ length: 2 * DEFAULT_SHEDDER.minArrivalsPerSec }, (_, i) => core.acquire(request("low", t + i), t + i));
    expect(flood[flood.length - 1]).toMatchObject({ kind: "rejected", result: { reason: "shed", detail: "saturated", loadLevel: "overloaded" } });
    t += flood.length;
    const critical = core.acquire(request("critical", t, { leaseDemandRps: 40 }), t);
    expect(critical).toMatchObject({ kind: "granted", result: { loadLevel: "overloaded" } });
    expect(critical.kind === "granted" && critical.result.isolateLease).toBeUndefined();
    expect(core.state(t).loadLevel).toBe("overloaded");
  });

  /** A controller whose tenant holds an isolate lease, asked for at `demandRps`; its id. */
  function leasedCore(demandRps: number): { core: AdmissionCore; leaseId: string } {
    const quota = testQuota({ minConcurrency: 200, maxConcurrency: 200, limitAlgorithm: "aimd", rateLimit: { requests: 100_000, windowMs: 1000, burst: 100_000 } });
    const core = new AdmissionCore({ quota, now: T0, random: () => 0.5, shedder: new SaturationShedder(DEFAULT_SHEDDER) });
    const first = core.acquire(request("normal", T0, { leaseDemandRps: demandRps }), T0);
    const leaseId = first.kind === "granted" ? (first.result.isolateLease?.id ?? "") : "";
    expect(leaseId).not.toBe("");
    return { core, leaseId };
  }

  /**
   * Ten renewals 100 ms apart, each reporting `admitted` normal requests and the isolate's lag
   * that `lagAt(i)` gives, while the controller's own timers fire far too late. Nothing else
   * reaches the controller. Returns the renewals' answers (it stops at one without a lease).
   */
  function renewOnLateThread(core: AdmissionCore, leaseId: string, admitted: number, lagAt: (i: number) => { isolateLagMs?: number }): ReturnType<AdmissionCore["renewIsolateLease"]>[] {
    const answers: ReturnType<AdmissionCore["renewIsolateLease"]>[] = [];
    let id = leaseId;
    let t = T0;
    for (let i = 0; i < 10 && id; i++) {
      for (let k = 0; k < 10; k++) core.observeLag(10 * DEFAULT_SHEDDER.targetMs, (t += 10));
      const renewal = core.renewIsolateLease(id, { usedTokens: admitted, inflight: 0, demandRps: 10 * admitted, admitted: { normal: admitted }, ...lagAt(i) }, [], t);
      answers.push(renewal);
      id = renewal.lease?.id ?? "";
    }
    return answers;
  }

  it("counts the requests a lease admitted in a late isolate, as its renewals report them: a flood served through a lease on a late thread ends the lease", () => {
    const { core, leaseId } = leasedCore(1000);
    // 1 000 a second admitted under the lease, the isolate's own timers late (locally it is the same thread).
    const answers = renewOnLateThread(core, leaseId, 100, () => ({ isolateLagMs: 5 * DEFAULT_SHEDDER.targetMs }));
    const last = answers[answers.length - 1];
    expect(core.saturationLevel).toBeGreaterThan(0);
    expect(last?.loadLevel).not.toBe("normal");
    expect(last?.lease).toBeUndefined();
  });

  it("does not count a lease's requests from an isolate on time: they never touched the late thread, and the tenant keeps its lease", () => {
    const { core, leaseId } = leasedCore(1000);
    // Production's case: another tenant's flood makes this controller's thread late; the isolates serving this one are on time.
    const answers = renewOnLateThread(core, leaseId, 100, (i) => (i % 2 === 0 ? { isolateLagMs: DEFAULT_SHEDDER.targetMs } : {}));
    expect(answers).toHaveLength(10);
    for (const answer of answers) expect(answer).toMatchObject({ loadLevel: "normal", lease: expect.anything() });
    expect(core.saturationLevel).toBe(0);
  });

  it("counts only what a lease admitted: a leased tenant under the floor keeps its lease on a late thread, its isolate late too", () => {
    const { core, leaseId } = leasedCore(20);
    const answers = renewOnLateThread(core, leaseId, 2, () => ({ isolateLagMs: 5 * DEFAULT_SHEDDER.targetMs }));
    expect(answers).toHaveLength(10);
    for (const answer of answers) expect(answer).toMatchObject({ loadLevel: "normal", lease: expect.anything() });
    expect(core.saturationLevel).toBe(0);
  });

  it("sheds low at arrival as 'saturated' without touching the bucket, and still grants critical", () => {
    const shedder = new SaturationShedder({ ...DEFAULT_SHEDDER, minArrivalsPerSec: 0 });
    const core = new AdmissionCore({ quota: testQuota({ rateLimit: { requests: 1, windowMs: 60_000, burst: 10 } }), now: T0, random: () => 0.5, shedder });
    let t = T0;
    for (; t < T0 + 3 * DEFAULT_SHEDDER.windowMs + 10; t += 10) core.observeLag(10 * DEFAULT_SHEDDER.targetMs, t);
    expect(core.saturationLevel).toBeGreaterThan(1);
    const tokens = core.state(t).tokens;
    const low = core.acquire(request("low", t), t);
    expect(low).toMatchObject({ kind: "rejected", result: { reason: "shed", detail: "saturated", loadLevel: "overloaded" } });
    expect(low.kind === "rejected" && low.result.retryAfterMs).toBeGreaterThan(0);
    expect(core.state(t).tokens).toBe(tokens);
    const critical = core.acquire(request("critical", t), t);
    expect(critical.kind).toBe("granted");
    expect(core.state(t).saturation).toMatchObject({ shedLevel: core.saturationLevel, targetMs: DEFAULT_SHEDDER.targetMs });
  });
});
