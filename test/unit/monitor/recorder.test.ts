import { describe, expect, it, vi } from "vitest";
import type { TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { outcomeOf, TelemetryRecorder, type RequestRecord } from "../../../worker/telemetry/recorder";
import { T0 } from "./support";

const req = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  route: "/v1/tasks/:id",
  method: "GET",
  status: 200,
  tenant: "t1",
  priority: "normal",
  durationMs: 12,
  queueMs: 2,
  dbMs: 6,
  ...over,
});

/** waitUntil that collects the promises, like the runtime would keep them alive. */
function collector() {
  const promises: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void promises.push(p), settle: () => Promise.allSettled(promises) };
}

describe("TelemetryRecorder", () => {
  it("keys series by route template, method, tenant, priority and outcome, with status counts", () => {
    const r = new TelemetryRecorder({ intervalMs: 10_000, source: "s" });
    r.record(req(), T0);
    r.record(req({ status: 404 }), T0);
    r.record(req({ status: 503, outcome: "shed", priority: "low" }), T0);
    r.record(req({ tenant: null, priority: null, route: "/metrics" }), T0);
    const batch = r.takeBatch(T0 + 1) as TelemetryBatch;
    const keys = batch.series.map((s) => `${s.route} ${s.tenant} ${s.priority} ${s.outcome} ${JSON.stringify(s.statuses)}`).sort();
    expect(keys).toEqual([
      '/metrics none none success {"200":1}',
      '/v1/tasks/:id t1 low shed {"503":1}',
      '/v1/tasks/:id t1 normal client_error {"404":1}',
      '/v1/tasks/:id t1 normal success {"200":1}',
    ]);
    expect(batch.components.handler.count).toBe(4);
    expect(batch.components.handler.max).toBe(4);
    expect(r.takeBatch(T0 + 2)).toBeNull();
  });

  it("flushes every interval or every N requests, whichever first, through waitUntil", async () => {
    const sent: TelemetryBatch[] = [];
    const send = async (b: TelemetryBatch) => void sent.push(b);
    const r = new TelemetryRecorder({ intervalMs: 10_000, maxRequests: 5, source: "s" });
    const w = collector();
    r.record(req(), T0);
    expect(r.flushIfDue(T0 + 9_999, send, w.waitUntil)).toBe(false);
    expect(r.flushIfDue(T0 + 10_000, send, w.waitUntil)).toBe(true);
    await w.settle();
    for (let i = 0; i < 5; i++) r.record(req(), T0 + 10_001);
    expect(r.flushIfDue(T0 + 10_002, send, w.waitUntil)).toBe(true);
    await w.settle();
    expect(sent.map((b) => b.series[0]?.latency.count)).toEqual([1, 5]);
    expect(sent.map((b) => b.seq)).toEqual([1, 2]);
  });

  it("a forced flush starts before it is due, but never beside a delivery under way and never empty", async () => {
    const sent: TelemetryBatch[] = [];
    let release: () => void = () => {};
    const slow = (b: TelemetryBatch) => new Promise<void>((resolve) => {
      sent.push(b);
      release = resolve;
    });
    const r = new TelemetryRecorder({ intervalMs: 10_000, source: "s" });
    const w = collector();
    expect(r.flushIfDue(T0, slow, w.waitUntil, true)).toBe(false);
    r.record(req(), T0);
    expect(r.flushIfDue(T0 + 1, slow, w.waitUntil)).toBe(false);
    expect(r.flushIfDue(T0 + 1, slow, w.waitUntil, true)).toBe(true);
    r.record(req(), T0 + 2);
    expect(r.flushIfDue(T0 + 3, slow, w.waitUntil, true)).toBe(false);
    release();
    await w.settle();
    expect(r.flushIfDue(T0 + 4, slow, w.waitUntil, true)).toBe(true);
    release();
    await w.settle();
    expect(sent.map((b) => b.seq)).toEqual([1, 2]);
  });

  it("a failing Monitor never throws into the caller; the batch is retried once, then dropped and counted", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, retryDelayMs: 0, source: "s" });
    const w = collector();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let calls = 0;
    const failing = (): Promise<void> => {
      calls++;
      return Promise.reject(new Error("monitor down"));
    };
    r.record(req(), T0);
    expect(() => r.flushIfDue(T0 + 10, failing, w.waitUntil)).not.toThrow();
    const results = await w.settle();
    // The waitUntil promise itself resolves: nothing unhandled reaches the runtime.
    expect(results.every((x) => x.status === "fulfilled")).toBe(true);
    expect(calls).toBe(2);
    expect(r.stats).toMatchObject({ failures: 1, dropped: 1 });

    // The loss is reported with the next batch that gets through.
    const sent: TelemetryBatch[] = [];
    r.record(req(), T0 + 20);
    r.flushIfDue(T0 + 40, async (b) => void sent.push(b), w.waitUntil);
    await w.settle();
    expect(sent[0]?.flush).toEqual({ failures: 1, dropped: 1 });
    warn.mockRestore();
  });

  it("while the Monitor stays down, every lost batch is counted: a dropped batch's carried counts are carried again", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, retryDelayMs: 0, source: "s" });
    const w = collector();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const down = (): Promise<void> => Promise.reject(new Error("monitor down"));
    for (let i = 0; i < 3; i++) {
      r.record(req(), T0 + i * 10);
      r.flushIfDue(T0 + i * 10 + 5, down, w.waitUntil);
      await w.settle();
    }
    const sent: TelemetryBatch[] = [];
    r.record(req(), T0 + 40);
    r.flushIfDue(T0 + 45, async (b) => void sent.push(b), w.waitUntil);
    await w.settle();
    expect(sent[0]?.flush).toEqual({ failures: 3, dropped: 3 });
    warn.mockRestore();
  });

  it("a retry that succeeds delivers the same batch (same seq, so the Monitor can drop a duplicate)", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, retryDelayMs: 0, source: "s" });
    const w = collector();
    const seqs: number[] = [];
    let first = true;
    const flaky = async (b: TelemetryBatch) => {
      seqs.push(b.seq);
      if (first) {
        first = false;
        throw new Error("blip");
      }
    };
    r.record(req(), T0);
    r.flushIfDue(T0 + 5, flaky, w.waitUntil);
    await w.settle();
    expect(seqs).toEqual([1, 1]);
    expect(r.stats).toMatchObject({ flushes: 1, failures: 1, dropped: 0 });
  });

  it("send throwing synchronously or waitUntil throwing still cannot fail the request", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, retryDelayMs: 0, source: "s" });
    r.record(req(), T0);
    const w = collector();
    const throwsSync = (() => {
      throw new Error("sync");
    }) as unknown as (b: TelemetryBatch) => Promise<void>;
    expect(() => r.flushIfDue(T0 + 5, throwsSync, w.waitUntil)).not.toThrow();
    await w.settle();
    r.record(req(), T0 + 6);
    expect(() =>
      r.flushIfDue(T0 + 20, async () => {}, () => {
        throw new Error("no context");
      }),
    ).not.toThrow();
    // Recording odd values never throws either.
    expect(() => r.record(req({ durationMs: Number.NaN, queueMs: -5, dbMs: Number.POSITIVE_INFINITY }))).not.toThrow();
  });

  it("one flush at a time: a due flush waits for the one in flight", async () => {
    const r = new TelemetryRecorder({ intervalMs: 1, source: "s" });
    let release: () => void = () => {};
    const slow = () => new Promise<void>((res) => (release = res));
    const w = collector();
    r.record(req(), T0);
    expect(r.flushIfDue(T0 + 5, slow, w.waitUntil)).toBe(true);
    r.record(req(), T0 + 6);
    expect(r.flushIfDue(T0 + 10, slow, w.waitUntil)).toBe(false);
    release();
    await w.settle();
    expect(r.flushIfDue(T0 + 20, async () => {}, w.waitUntil)).toBe(true);
  });

  it("bounds series: tenants beyond maxSeries fold into 'other'", () => {
    const r = new TelemetryRecorder({ intervalMs: 1, maxSeries: 3, source: "s" });
    for (let i = 0; i < 10; i++) r.record(req({ tenant: `t${i}` }), T0);
    const batch = r.takeBatch(T0) as TelemetryBatch;
    expect(batch.series.map((s) => s.tenant)).toEqual(["t0", "t1", "t2", "other"]);
    expect(batch.series[3]?.latency.count).toBe(7);
  });

  it("counts cache lookups and evictions per cache, and starts each batch from zero", () => {
    const r = new TelemetryRecorder({ intervalMs: 1, source: "s" });
    r.recordCache("auth", "hit");
    r.recordCache("auth", "hit");
    r.recordCache("auth", "miss");
    r.recordCacheEvictions("auth", 2);
    r.recordCache("stats", "miss");
    expect(r.takeBatch(T0)?.cache).toEqual({ auth: { hits: 2, misses: 1, evictions: 2 }, stats: { hits: 0, misses: 1, evictions: 0 } });
    r.recordCacheEvictions("stats", 1);
    expect(r.takeBatch(T0 + 1)?.cache).toEqual({ stats: { hits: 0, misses: 0, evictions: 1 } });
  });

  it("outcomeOf maps statuses; admission refusals are named by the caller", () => {
    expect([200, 304, 404, 429, 500].map(outcomeOf)).toEqual(["success", "success", "client_error", "rate_limited", "server_error"]);
  });
});
