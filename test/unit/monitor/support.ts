import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import type { AdmissionSnapshot, RequestOutcome, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import { TelemetryRecorder, type RequestRecord } from "../../../worker/telemetry/recorder";

/** Deterministic PRNG (mulberry32), so a failing sample set can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function lognormal(random: () => number, mu: number, sigma: number): number {
  const u = 1 - random();
  const v = random();
  return Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

export function pareto(random: () => number, scale: number, shape: number): number {
  return scale / Math.pow(1 - random(), 1 / shape);
}

/** Exact quantile with DDSketch's rank convention: the value of rank floor(q·(n−1)). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
export const MIN = 60_000;

export interface Traffic {
  count: number;
  latencyMs?: number;
  status?: number;
  outcome?: RequestOutcome;
  tenant?: string;
  priority?: RequestPriority;
  route?: string;
}

/** A batch written out by hand, so every count in it is known: empty but for `over`, sent at `at`. */
export function handBatch(at: number, over: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return {
    v: 1,
    source: "iso",
    seq: 1,
    from: at,
    to: at,
    series: [],
    components: { queue: emptySketch(), db: emptySketch(), handler: emptySketch() },
    db: { queries: emptySketch(), slow: 0, errors: 0, slowByRoute: {}, slowest: [] },
    cache: {},
    errors: { api: 0, admission: 0, db: 0, cache: 0 },
    flush: { failures: 0, dropped: 0 },
    ...over,
  };
}

/** A batch as an isolate would send it, built through the real recorder. */
export function batchOf(traffic: Traffic[], at: number, source = "isolate-a", seq?: number): TelemetryBatch {
  const r = new TelemetryRecorder({ intervalMs: 10_000, source });
  for (const t of traffic) {
    for (let i = 0; i < t.count; i++) {
      const rec: RequestRecord = {
        route: t.route ?? "/v1/tasks",
        method: "GET",
        status: t.status ?? 200,
        tenant: t.tenant ?? "t1",
        priority: t.priority ?? "normal",
        durationMs: t.latencyMs ?? 20,
        queueMs: 1,
        dbMs: 5,
        ...(t.outcome ? { outcome: t.outcome } : {}),
      };
      r.record(rec, at);
    }
  }
  const batch = r.takeBatch(at);
  if (!batch) throw new Error("empty batch");
  return seq === undefined ? batch : { ...batch, seq };
}

export function admissionSnapshot(over: Partial<AdmissionSnapshot> = {}): AdmissionSnapshot {
  const none = { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 };
  return {
    v: 1,
    source: "adm-t1",
    tenant: "t1",
    at: T0,
    startedAt: T0 - 1000,
    limit: 10,
    inflight: 2,
    queued: { critical: 0, high: 0, normal: 3, low: 1 },
    tokens: 50,
    loadLevel: "normal",
    decisions: { critical: { ...none }, high: { ...none }, normal: { ...none, admitted: 5 }, low: { ...none, admitted: 1, shed: 2 } },
    queueWait: { critical: emptySketch(), high: emptySketch(), normal: sketchOf([5, 10, 15]), low: emptySketch() },
    serviceRatePerSec: 100,
    completionRatePerSec: 80,
    ...over,
  };
}
