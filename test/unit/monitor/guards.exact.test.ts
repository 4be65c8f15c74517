import { describe, expect, it } from "vitest";
import { addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { p99Guard, shedGuard, silenceGuards, SILENCE_MS, type SourceState } from "../../../durable-objects/monitor/alerts/guards";
import { MINUTE } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0, type Traffic } from "./support";

const minute = (i: number, traffic: Traffic[]): Bucket => {
  const b = emptyBucket(T0 + i * MINUTE, MINUTE);
  if (traffic.length) addBatch(b, batchOf(traffic, T0 + i * MINUTE, "i", i + 1));
  return b;
};
// Every request of a minute at one latency: the sketch's p99 is clamped to that exact value.
const at = (latencyMs: number): Traffic[] => [{ count: 50, latencyMs }];

describe("p99 guard, exactly", () => {
  it("fires above the threshold, not at it, naming the worst of the three minutes", () => {
    const three = [minute(0, at(1200)), minute(1, at(1800)), minute(2, at(1500))];
    expect(p99Guard(three, 1200)).toEqual([]);
    expect(p99Guard(three, 1199)).toEqual([
      {
        key: "guard:p99",
        rule: "p99_over_threshold",
        severity: "page",
        summary: "p99 latency above 1199 ms for 3 minutes (worst 1800 ms)",
        details: { thresholdMs: 1199, worstP99Ms: 1800, minutes: 3 },
      },
    ]);
  });

  it("judges the last three minutes only", () => {
    expect(p99Guard([minute(0, at(10)), minute(1, at(2000)), minute(2, at(2000)), minute(3, at(2000))], 1000)).toHaveLength(1);
  });

  it("reads the latency of served requests only: slow refusals are not slow service", () => {
    const refusedSlowly: Traffic[] = [{ count: 50, latencyMs: 20 }, { count: 50, latencyMs: 5000, status: 503, outcome: "shed" }];
    expect(p99Guard([0, 1, 2].map((i) => minute(i, refusedSlowly)), 1000)).toEqual([]);
  });
});

describe("shed guard, exactly", () => {
  const shedding = (shed: number): Traffic[] => [{ count: 100 - shed }, { count: shed, status: 503, outcome: "queue_full" }];

  it("fires above the ratio, not at it, naming the worst of the five minutes", () => {
    const five = [5, 5, 8, 5, 5].map((shed, i) => minute(i, shedding(shed)));
    expect(shedGuard(five, 0.05)).toEqual([]);
    expect(shedGuard(five, 0.04)).toEqual([
      {
        key: "guard:shed",
        rule: "shed_ratio_over_threshold",
        severity: "page",
        summary: "more than 4% of requests shed for 5 minutes (worst 8.0%)",
        details: { threshold: 0.04, worstRatio: 0.08, minutes: 5 },
      },
    ]);
  });

  it("needs five minutes and judges the last five only", () => {
    const four = [0, 1, 2, 3].map((i) => minute(i, shedding(10)));
    expect(shedGuard(four, 0.01)).toEqual([]);
    expect(shedGuard([minute(9, shedding(0)), ...four, minute(4, shedding(10))], 0.01)).toHaveLength(1);
  });

  it("counts every kind of capacity refusal as shed, and quiet minutes as not shedding", () => {
    const mixed: Traffic[] = [{ count: 97 }, { count: 1, outcome: "shed", status: 503 }, { count: 1, outcome: "deadline", status: 503 }, { count: 1, outcome: "queue_full", status: 503 }];
    const five = [0, 1, 2, 3, 4].map((i) => minute(i, mixed));
    expect(shedGuard(five, 0.029).map((c) => c.details.worstRatio)).toEqual([0.03]);
    expect(shedGuard([...five.slice(0, 4), minute(4, [])], 0.001)).toEqual([]);
  });
});

describe("silence guards, exactly", () => {
  const now = T0 + 10 * MINUTE;
  const admission = (over: Partial<SourceState>): SourceState => ({ id: "adm-1", kind: "admission", tenant: "t1", lastSeen: now - SILENCE_MS, busy: true, lastActiveAt: null, ...over });
  const isolate = (lastSeen: number): SourceState => ({ id: `i-${lastSeen}`, kind: "isolate", tenant: null, lastSeen, busy: false, lastActiveAt: null });

  it("describes a silent admission controller, from exactly two minutes on", () => {
    expect(silenceGuards([admission({ lastSeen: now - SILENCE_MS + 1 })], now)).toEqual([]);
    expect(silenceGuards([admission({ lastSeen: now - 150_000 })], now)).toEqual([
      {
        key: "guard:silent:admission:adm-1",
        rule: "admission_silent",
        severity: "page",
        summary: "admission controller of tenant t1 silent for 150 s with work in flight",
        details: { source: "adm-1", tenant: "t1", lastSeen: now - 150_000 },
      },
    ]);
    expect(silenceGuards([admission({ tenant: null })], now)[0]?.summary).toBe("admission controller of tenant ? silent for 120 s with work in flight");
  });

  it("fires for isolates silent exactly two minutes while admission saw traffic less than two minutes ago", () => {
    const active = admission({ busy: false, lastSeen: now, lastActiveAt: now - SILENCE_MS + 1 });
    expect(silenceGuards([isolate(now - SILENCE_MS), active], now)).toEqual([
      {
        key: "guard:silent:isolates",
        rule: "isolates_silent",
        severity: "page",
        summary: "admission controllers see traffic but no isolate has sent telemetry for 2 minutes",
        details: { lastIsolateBatch: now - SILENCE_MS, lastAdmissionActivity: now - SILENCE_MS + 1 },
      },
    ]);
    expect(silenceGuards([isolate(now - SILENCE_MS + 1), active], now)).toEqual([]);
    expect(silenceGuards([isolate(now - SILENCE_MS), { ...active, lastActiveAt: now - SILENCE_MS }], now)).toEqual([]);
  });

  it("takes the latest isolate and the latest admission activity, and no isolate at all as silent", () => {
    const old = admission({ id: "adm-old", busy: false, lastActiveAt: now - 10 * MINUTE });
    const recent = admission({ id: "adm-new", busy: false, lastActiveAt: now - 1000 });
    const quiet = admission({ id: "adm-quiet", busy: false, lastActiveAt: null });
    expect(silenceGuards([isolate(now - 5 * MINUTE), isolate(now - 1000), recent], now)).toEqual([]);
    expect(silenceGuards([recent, old, quiet], now).map((c) => c.details)).toEqual([{ lastIsolateBatch: null, lastAdmissionActivity: now - 1000 }]);
    expect(silenceGuards([old, recent], now).map((c) => c.details.lastAdmissionActivity)).toEqual([now - 1000]);
  });

  it("takes an admission controller that never saw traffic as no activity, whatever the clock reads", () => {
    const early = 60_000;
    const never: SourceState = { id: "adm-1", kind: "admission", tenant: "t1", lastSeen: early, busy: false, lastActiveAt: null };
    expect(silenceGuards([never], early)).toEqual([]);
  });
});
