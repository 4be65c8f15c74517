import { describe, expect, it } from "vitest";
import { DEFAULT_MONITOR_CONFIG } from "../../../durable-objects/monitor/monitor-config";
import { performanceReport } from "../../../durable-objects/monitor/reports/performance-report";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

// The hour before is read from 5-minute buckets. When the last hour does not start on a
// 5-minute boundary, the bucket straddling its start also holds last-hour minutes: reading it as
// "the hour before" would compare the last hour partly with itself.
describe("performanceReport: the hour before the last one", () => {
  const regressions = (fastAt: number) => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 60, latencyMs: 40 }], fastAt, "i", 1), fastAt);
    w.addBatch(batchOf([{ count: 60, latencyMs: 200 }], T0 + 30 * MINUTE, "i", 2), T0 + 30 * MINUTE);
    // The last hour starts at T0 + 2 min, inside the 5-minute bucket that starts at T0.
    const now = T0 + 62 * MINUTE;
    return performanceReport(w, DEFAULT_MONITOR_CONFIG, [], now).recommendations.filter((r) => r.rule === "p99_regression");
  };

  it("stops at the last whole 5-minute bucket before the last hour", () => {
    // Fast traffic at T0 + 3 min lands in the straddling bucket (T0 .. T0 + 5 min): not the hour before.
    expect(regressions(T0 + 3 * MINUTE)).toEqual([]);
  });

  it("still compares with a bucket that ends before the last hour starts", () => {
    // The same fast traffic three minutes earlier is in the bucket T0 − 5 min .. T0: a regression.
    expect(regressions(T0 - 3 * MINUTE).map((r) => r.subject)).toEqual(["GET /v1/tasks"]);
  });
});
