import { afterEach, describe, expect, it, vi } from "vitest";
import { addBatch, emptyBucket } from "../../../durable-objects/monitor/windows/bucket";
import { SketchBuilder } from "../../../durable-objects/monitor/windows/sketch";
import { sloCounts } from "../../../durable-objects/monitor/windows/traffic-stats";
import { batchOf, T0 } from "./support";

// The burn-rate alerts sum sloCounts over up to three days of buckets on every evaluation, so a
// bucket's slow count is worked out once per (latency wire form, objective) and then remembered.
describe("sloCounts: remembered slow counts", () => {
  afterEach(() => vi.restoreAllMocks());

  it("decodes each latency sketch once per objective, however often it is asked", () => {
    const b = emptyBucket(T0, 60_000);
    addBatch(b, batchOf([{ count: 4, latencyMs: 900 }, { count: 2, latencyMs: 20, route: "/v1/other" }], T0));
    const decode = vi.spyOn(SketchBuilder.prototype, "countAbove");
    expect(sloCounts([b, b], 500).slow).toBe(8);
    expect(sloCounts([b], 500).slow).toBe(4);
    // Two series, one objective: two decodes for three passes over them.
    expect(decode).toHaveBeenCalledTimes(2);
    // Another objective is a new count, remembered beside the first.
    expect(sloCounts([b], 10).slow).toBe(6);
    expect(sloCounts([b], 500).slow).toBe(4);
    expect(decode).toHaveBeenCalledTimes(4);
  });
});
