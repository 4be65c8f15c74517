/**
 * What reaches the Monitor DO: a telemetry batch from each Worker isolate and an admission
 * snapshot from each AdmissionController. Plain JSON-safe types, shared by the Worker, the
 * DOs and the pure algorithms; a `v` field so a newer Monitor can read an older sender.
 */
import type { AdmissionDecision, LoadLevel, RequestPriority } from "./admission";

/** A DDSketch on the wire (monitor/sketch.ts): `bins` are [key, count] pairs of the positive store; zero (and negative) values are `count − Σ bins`. */
export interface SketchWire {
  bins: Array<[key: number, count: number]>;
  count: number;
  sum: number;
  /** Exact extremes; 0 when count is 0 (JSON has no Infinity). */
  min: number;
  max: number;
}

/**
 * How a request ended, from the client's side:
 * - success: 1xx-3xx; client_error: a 4xx the client caused (not 429);
 * - server_error: a 5xx from the handler, the database or the Worker itself;
 * - rate_limited (429), queue_full, shed, deadline (503): refused by admission, handler never ran.
 */
export const REQUEST_OUTCOMES = ["success", "client_error", "server_error", "rate_limited", "queue_full", "shed", "deadline"] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** Admission refusals that are the server's capacity talking (bad for the SLO, counted as shed). */
export const SHED_OUTCOMES: readonly RequestOutcome[] = ["queue_full", "shed", "deadline"];

/** Where an error came from, for "error rate by component". */
export const ERROR_COMPONENTS = ["api", "admission", "db", "cache"] as const;
export type ErrorComponent = (typeof ERROR_COMPONENTS)[number];

/** Where a request's time went (handler = total − queue − db). */
export const TIMING_COMPONENTS = ["queue", "db", "handler"] as const;
export type TimingComponent = (typeof TIMING_COMPONENTS)[number];

/** The label set of one request series. `route` is the template ("/v1/tasks/:id"), never the raw path. */
export interface SeriesLabels {
  route: string;
  method: string;
  tenant: string;
  /** Request priority (critical/high/normal/low), or "none" for requests that never had one. */
  priority: RequestPriority | "none";
  outcome: RequestOutcome;
}

export interface SeriesEntry extends SeriesLabels {
  /** End-to-end duration in milliseconds. */
  latency: SketchWire;
  /** Responses by exact status code ("200", "503", ...). */
  statuses: Record<string, number>;
}

export interface CacheCounts {
  hits: number;
  misses: number;
  evictions: number;
}

export interface SlowQuery {
  route: string;
  /** Normalised and truncated SQL (no literal values: those may be personal data). */
  sql: string;
  ms: number;
}

export interface DbAggregate {
  /** Per-query duration, milliseconds. */
  queries: SketchWire;
  slow: number;
  errors: number;
  slowByRoute: Record<string, number>;
  /** The slowest few, for the report. */
  slowest: SlowQuery[];
}

/** Isolate → Monitor, every PERFORMANCE_MONITORING_INTERVAL ms or N requests. Counts are deltas. */
export interface TelemetryBatch {
  v: 1;
  /** Random per isolate; `seq` increases per batch, so a retried batch is not counted twice. */
  source: string;
  seq: number;
  /** Epoch ms of the first and last record in the batch. */
  from: number;
  to: number;
  series: SeriesEntry[];
  components: Record<TimingComponent, SketchWire>;
  db: DbAggregate;
  cache: Record<string, CacheCounts>;
  errors: Record<ErrorComponent, number>;
  /** Flushes that failed (then retried) and batches given up since the previous delivered batch. */
  flush: { failures: number; dropped: number };
  /** Calls this isolate made to admission controllers, per tenant (absent from older senders). */
  controllerCalls?: Record<string, ControllerCallCounts>;
}

/** The Worker's calls to a tenant's controllers (root or shards), by kind (DESIGN.md section 7). */
export const CONTROLLER_CALL_KINDS = ["acquire", "release", "renew"] as const;
export type ControllerCallKind = (typeof CONTROLLER_CALL_KINDS)[number];
export type ControllerCallCounts = Record<ControllerCallKind, number>;

/**
 * AdmissionController → Monitor, sent on the controller's alarm (and whenever it likes).
 * Gauges are the state at `at`; `decisions` are counters since the instance started at
 * `startedAt` (the Monitor takes differences, and a new `startedAt` means a restart);
 * `queueWait` holds only the waits since the previous snapshot (the sender resets it).
 */
export interface AdmissionSnapshot {
  v: 1;
  /** The DO's id (one per tenant, or per shard of a tenant). */
  source: string;
  tenant: string;
  at: number;
  startedAt: number;
  limit: number;
  inflight: number;
  queued: Record<RequestPriority, number>;
  tokens: number;
  loadLevel: LoadLevel;
  decisions: Record<RequestPriority, Record<AdmissionDecision, number>>;
  /** Queue wait in milliseconds of requests granted after waiting, per request priority. */
  queueWait: Record<RequestPriority, SketchWire>;
  /** Completions per second the current limit can sustain (limit / service time); null if unknown. */
  serviceRatePerSec: number | null;
  /** Completions per second measured. */
  completionRatePerSec: number;
  /** Budget held by isolate leases from this controller (absent from older senders). */
  leases?: { active: number; tokens: number; slots: number };
  /** From a tenant's root: how many controllers serve the tenant (DESIGN.md section 7). */
  shards?: number;
}
