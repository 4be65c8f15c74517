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

describe("guard alerts", () => {
  it("p99 over threshold fires only after 3 consecutive minutes", () => {
    const slow = [{ count: 100, latencyMs: 1500 }];
    const fast = [{ count: 100, latencyMs: 20 }];
    expect(p99Guard([minute(0, slow), minute(1, slow)], 1000)).toEqual([]);
    expect(p99Guard([minute(0, fast), minute(1, slow), minute(2, slow)], 1000)).toEqual([]);
    expect(p99Guard([minute(0, slow), minute(1, slow), minute(2, slow)], 1000).map((c) => c.key)).toEqual(["guard:p99"]);
    expect(p99Guard([minute(0, slow), minute(1, []), minute(2, slow)], 1000)).toEqual([]);
  });

  it("shed ratio over 1 % fires only after 5 consecutive minutes", () => {
    const shedding: Traffic[] = [{ count: 95 }, { count: 5, status: 503, outcome: "shed" }];
    const fine: Traffic[] = [{ count: 100 }];
    const five = [0, 1, 2, 3, 4].map((i) => minute(i, shedding));
    expect(shedGuard(five, 0.01).map((c) => c.key)).toEqual(["guard:shed"]);
    expect(shedGuard([...five.slice(0, 4), minute(4, fine)], 0.01)).toEqual([]);
    // A handler 503 is an error, not shedding.
    const errors = [0, 1, 2, 3, 4].map((i) => minute(i, [{ count: 95 }, { count: 5, status: 503 }]));
    expect(shedGuard(errors, 0.01)).toEqual([]);
  });

  it("a busy admission DO that goes silent for 2 minutes fires; an idle one does not", () => {
    const now = T0 + 10 * MINUTE;
    const src = (over: Partial<SourceState>): SourceState => ({ id: "a", kind: "admission", tenant: "t1", lastSeen: now - SILENCE_MS, busy: true, lastActiveAt: null, ...over });
    expect(silenceGuards([src({})], now).map((c) => c.rule)).toEqual(["admission_silent"]);
    expect(silenceGuards([src({ busy: false })], now)).toEqual([]);
    expect(silenceGuards([src({ lastSeen: now - 30_000 })], now)).toEqual([]);
  });

  it("isolates silent while admission sees traffic fires; no traffic at all does not", () => {
    const now = T0 + 10 * MINUTE;
    const isolate: SourceState = { id: "i", kind: "isolate", tenant: null, lastSeen: now - 3 * MINUTE, busy: false, lastActiveAt: now - 3 * MINUTE };
    const admission: SourceState = { id: "a", kind: "admission", tenant: "t1", lastSeen: now - 10_000, busy: false, lastActiveAt: now - 10_000 };
    expect(silenceGuards([isolate, admission], now).map((c) => c.rule)).toEqual(["isolates_silent"]);
    expect(silenceGuards([isolate, { ...admission, lastActiveAt: now - 5 * MINUTE }], now)).toEqual([]);
    expect(silenceGuards([{ ...isolate, lastSeen: now - 5_000 }, admission], now)).toEqual([]);
  });
});
