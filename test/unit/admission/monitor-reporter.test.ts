import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { AdmissionReporter } from "../../../durable-objects/admission/monitor-reporter";
import { T0, testQuota } from "./support";

const identity = { source: "do-1", tenant: "t1", startedAt: T0 - 5000 };

describe("AdmissionReporter", () => {
  it("reports at most once per interval, with the waits recorded since the last report", () => {
    const core = new AdmissionCore({ quota: testQuota(), now: T0 });
    const reporter = new AdmissionReporter(identity, 1000);
    reporter.recordWait("high", 40);
    reporter.recordWait("high", 60);
    reporter.recordWait("low", 5);
    const first = reporter.takeIfDue(T0, () => core.stats(T0));
    expect(first).toMatchObject({ v: 1, source: "do-1", tenant: "t1", startedAt: T0 - 5000, at: T0 });
    expect(first?.queueWait.high).toMatchObject({ count: 2, sum: 100, min: 40, max: 60 });
    expect(first?.queueWait.low.count).toBe(1);
    expect(first?.queueWait.normal.count).toBe(0);
    // Within the interval: nothing new to say, and the stats are not even computed.
    let asked = 0;
    expect(reporter.takeIfDue(T0 + 999, () => (asked++, core.stats(T0 + 999)))).toBeUndefined();
    expect(asked).toBe(0);
    // At the interval: a new report, the waits having started afresh.
    reporter.recordWait("normal", 7);
    const second = reporter.takeIfDue(T0 + 1000, () => core.stats(T0 + 1000));
    expect(second?.queueWait.high.count).toBe(0);
    expect(second?.queueWait.normal.count).toBe(1);
  });
});
