import { describe, expect, it } from "vitest";
import type { TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { TelemetryRecorder, type RequestRecord } from "../../../worker/telemetry/recorder";
import { T0 } from "./support";

const req: RequestRecord = { route: "/v1/tasks", method: "GET", status: 200, tenant: "t1", priority: "normal", durationMs: 5, queueMs: 1, dbMs: 2 };
const requestsIn = (batch: TelemetryBatch) => batch.series.reduce((n, s) => n + s.latency.count, 0);

/** A Monitor whose answers the test releases one by one. */
function heldMonitor() {
  const sent: TelemetryBatch[] = [];
  const releases: Array<() => void> = [];
  const send = (batch: TelemetryBatch) => {
    sent.push(batch);
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  return { sent, send, release: () => releases.shift()?.() };
}

describe("TelemetryRecorder.flushNow", () => {
  it("sends everything recorded, before the interval is due, and resolves once the Monitor has it", async () => {
    const r = new TelemetryRecorder({ intervalMs: 60_000, source: "s" });
    for (let i = 0; i < 3; i++) r.record(req, T0);
    expect(r.isDue(T0 + 1)).toBe(false);
    const monitor = heldMonitor();
    let done = false;
    const flushed = r.flushNow(T0 + 1, monitor.send).then(() => (done = true));
    await Promise.resolve();
    expect(monitor.sent.map(requestsIn)).toEqual([3]);
    expect(done).toBe(false);
    monitor.release();
    await flushed;
    expect(r.stats.flushes).toBe(1);
  });

  it("waits for a delivery under way, so batches reach the Monitor in seq order", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, source: "s" });
    const monitor = heldMonitor();
    const kept: Promise<unknown>[] = [];
    r.record(req, T0);
    expect(r.flushIfDue(T0 + 5, monitor.send, (p) => void kept.push(p))).toBe(true);
    r.record(req, T0 + 6);
    r.record(req, T0 + 6);
    const flushed = r.flushNow(T0 + 7, monitor.send);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(monitor.sent).toHaveLength(1);
    // While flushNow delivers, a request's flushIfDue must not start a third, overtaking batch.
    monitor.release();
    await kept[0];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(monitor.sent).toHaveLength(2);
    r.record(req, T0 + 8);
    expect(r.flushIfDue(T0 + 20, monitor.send, (p) => void kept.push(p))).toBe(false);
    monitor.release();
    await flushed;
    expect(monitor.sent.map((b) => b.seq)).toEqual([1, 2]);
    expect(monitor.sent.map(requestsIn)).toEqual([1, 2]);
  });

  it("sends nothing when nothing was recorded, and never throws when the Monitor fails", async () => {
    const r = new TelemetryRecorder({ intervalMs: 60_000, retryDelayMs: 0, source: "s" });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error("monitor down"));
    };
    await r.flushNow(T0, failing);
    expect(calls).toBe(0);
    r.record(req, T0);
    await expect(r.flushNow(T0 + 1, failing)).resolves.toBeUndefined();
    expect(calls).toBe(2);
    expect(r.stats.dropped).toBe(1);
  });
});
