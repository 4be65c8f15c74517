import { describe, expect, it } from "vitest";
import { decisionDeltas, isBusy, sawTraffic } from "../../../durable-objects/monitor/ingest/admission-deltas";
import type { AdmissionSnapshot } from "../../../durable-objects/contracts/telemetry";
import { admissionSnapshot, T0 } from "./support";

const none = { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 };
const decisions = (over: Partial<AdmissionSnapshot["decisions"]>): AdmissionSnapshot["decisions"] => ({
  critical: { ...none },
  high: { ...none },
  normal: { ...none },
  low: { ...none },
  ...over,
});

describe("decisionDeltas", () => {
  it("counts what happened since the previous snapshot of the same instance", () => {
    const before = admissionSnapshot({ decisions: decisions({ normal: { ...none, admitted: 5, shed: 1 }, high: { ...none, queued: 2 } }) });
    const after = admissionSnapshot({ at: T0 + 10_000, decisions: decisions({ normal: { ...none, admitted: 9, shed: 1 }, high: { ...none, queued: 3 } }) });
    expect(decisionDeltas(before, after)).toEqual(decisions({ normal: { ...none, admitted: 4 }, high: { ...none, queued: 1 } }));
  });

  it("takes the whole count of a restarted instance, whose counters began again at zero", () => {
    const before = admissionSnapshot({ decisions: decisions({ normal: { ...none, admitted: 50 } }) });
    const after = admissionSnapshot({ startedAt: T0 + 5000, decisions: decisions({ normal: { ...none, admitted: 3 } }) });
    expect(decisionDeltas(before, after)).toEqual(decisions({ normal: { ...none, admitted: 3 } }));
  });

  it("takes the whole count of an instance heard from for the first time", () => {
    const first = admissionSnapshot({ decisions: decisions({ low: { ...none, admitted: 1, deadline: 2 } }) });
    expect(decisionDeltas(undefined, first)).toEqual(decisions({ low: { ...none, admitted: 1, deadline: 2 } }));
  });

  it("never counts backwards when a counter went down without a restart", () => {
    const before = admissionSnapshot({ decisions: decisions({ normal: { ...none, admitted: 7 } }) });
    const after = admissionSnapshot({ decisions: decisions({ normal: { ...none, admitted: 4 } }) });
    expect(decisionDeltas(before, after).normal.admitted).toBe(0);
  });
});

describe("sawTraffic", () => {
  it("is true when any priority has any decision since the previous snapshot", () => {
    expect(sawTraffic(decisions({}))).toBe(false);
    expect(sawTraffic(decisions({ low: { ...none, rate_limited: 1 } }))).toBe(true);
    expect(sawTraffic(decisions({ critical: { ...none, admitted: 1 } }))).toBe(true);
  });
});

describe("isBusy", () => {
  const idle = { critical: 0, high: 0, normal: 0, low: 0 };
  it("is true while work is in flight or queued at any priority", () => {
    expect(isBusy(admissionSnapshot({ inflight: 0, queued: idle }))).toBe(false);
    expect(isBusy(admissionSnapshot({ inflight: 1, queued: idle }))).toBe(true);
    expect(isBusy(admissionSnapshot({ inflight: 0, queued: { ...idle, low: 1 } }))).toBe(true);
  });
});
