import type { RequestPriority } from "../../durable-objects/contracts/admission";
import { OTHER_TENANT, topSlowest } from "../../durable-objects/monitor/windows/bucket";
import type { CacheCounts, ControllerCallCounts, ControllerCallKind, ErrorComponent, RequestOutcome, SeriesLabels, SlowQuery, TelemetryBatch, TimingComponent } from "../../durable-objects/contracts/telemetry";
import { SketchBuilder } from "../../durable-objects/monitor/windows/sketch";
import { NO_TENANT } from "../../durable-objects/monitor/exposition/tenant-labels";

/** One answered request, as the Worker saw it. */
export interface RequestRecord {
  /** Route template ("/v1/tasks/:id"), never the raw path: raw paths are unbounded label values. */
  route: string;
  method: string;
  status: number;
  /** Tenant id; null for requests without one (operator routes, failed authentication). */
  tenant: string | null;
  /** Request priority; null when the request never got one. */
  priority: RequestPriority | null;
  durationMs: number;
  queueMs: number;
  dbMs: number;
  /** Defaults to what the status says (see outcomeOf); pass it when admission refused the request. */
  outcome?: RequestOutcome;
}

export interface RecorderOptions {
  /** Flush at least this often while requests arrive (PERFORMANCE_MONITORING_INTERVAL). */
  intervalMs: number;
  /** ...or as soon as this many requests are waiting. */
  maxRequests?: number;
  /** Series per batch before further tenants are folded into "other" (memory bound). */
  maxSeries?: number;
  /** Queries at or above this are slow (DB_SLOW_QUERY_THRESHOLD). */
  slowQueryMs?: number;
  /** Wait before the one retry of a failed flush. */
  retryDelayMs?: number;
  source?: string;
}

export type SendBatch = (batch: TelemetryBatch) => Promise<unknown>;
export type WaitUntil = (promise: Promise<unknown>) => void;

/** 429 is the rate limiter; other refusals must be named by the caller (a 503 may be the handler's). */
export function outcomeOf(status: number): RequestOutcome {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  if (status >= 400) return "client_error";
  return "success";
}

interface SeriesAcc {
  labels: SeriesLabels;
  latency: SketchBuilder;
  statuses: Record<string, number>;
}

/**
 * The isolate side of monitoring: records every request into in-memory DDSketches keyed by
 * route template, method, tenant, request priority and outcome, plus component timings,
 * D1 queries, cache lookups and errors; hands them to the Monitor DO in batches.
 *
 * Nothing here can fail a request: `record*` swallow their own errors, and flushing happens
 * inside `waitUntil`, after the response, with one retry; a batch that fails twice is
 * dropped and counted (the count travels with the next batch).
 */
export class TelemetryRecorder {
  readonly source: string;
  /** Flush outcomes of this isolate, for tests and logs. */
  readonly stats = { flushes: 0, failures: 0, dropped: 0, internalErrors: 0 };

  private series = new Map<string, SeriesAcc>();
  private components = newComponents();
  private db = newDb();
  private cache: Record<string, CacheCounts> = {};
  private errors = newErrors();
  private controllerCalls: Record<string, ControllerCallCounts> = {};
  private pending = 0;
  private firstAt: number | null = null;
  private lastAt = 0;
  private lastFlushAt: number | null = null;
  private seq = 0;
  /** The delivery under way, if any: batches go out one at a time, in seq order. */
  private delivering: Promise<void> | null = null;
  /** Failures and drops not yet reported to the Monitor. */
  private unreported = { failures: 0, dropped: 0 };

  private readonly intervalMs: number;
  private readonly maxRequests: number;
  private readonly maxSeries: number;
  private readonly slowQueryMs: number;
  private readonly retryDelayMs: number;

  constructor(options: RecorderOptions) {
    this.intervalMs = options.intervalMs;
    this.maxRequests = options.maxRequests ?? 1000;
    this.maxSeries = options.maxSeries ?? 1000;
    this.slowQueryMs = options.slowQueryMs ?? Number.POSITIVE_INFINITY;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.source = options.source ?? crypto.randomUUID();
  }

  record(r: RequestRecord, now: number = Date.now()): void {
    this.guard(() => {
      const outcome = r.outcome ?? outcomeOf(r.status);
      let labels: SeriesLabels = { route: r.route, method: r.method, tenant: r.tenant ?? NO_TENANT, priority: r.priority ?? "none", outcome };
      let key = keyOf(labels);
      if (!this.series.has(key) && this.series.size >= this.maxSeries) {
        labels = { ...labels, tenant: OTHER_TENANT };
        key = keyOf(labels);
      }
      let acc = this.series.get(key);
      if (!acc) this.series.set(key, (acc = { labels, latency: new SketchBuilder(), statuses: {} }));
      acc.latency.add(r.durationMs);
      const status = String(r.status);
      acc.statuses[status] = (acc.statuses[status] ?? 0) + 1;
      this.components.queue.add(r.queueMs);
      this.components.db.add(r.dbMs);
      this.components.handler.add(Math.max(0, r.durationMs - r.queueMs - r.dbMs));
      this.touch(now);
    });
  }

  /** One call this isolate made to one of `tenant`'s admission controllers. */
  recordControllerCall(tenant: string, kind: ControllerCallKind, now: number = Date.now()): void {
    this.guard(() => {
      const counts = (this.controllerCalls[tenant] ??= { acquire: 0, release: 0, renew: 0 });
      counts[kind]++;
      this.touch(now, false);
    });
  }

  /** One D1 query (timeD1 calls this through `observeQueries`). */
  recordQuery(route: string, sql: string, ms: number, failed = false, now: number = Date.now()): void {
    this.guard(() => {
      this.db.queries.add(ms);
      if (failed) this.db.errors++;
      if (ms >= this.slowQueryMs) {
        this.db.slow++;
        this.db.slowByRoute[route] = (this.db.slowByRoute[route] ?? 0) + 1;
        this.db.slowest = topSlowest([...this.db.slowest, { route, sql, ms }]);
      }
      this.touch(now, false);
    });
  }

  /** One lookup in the isolate cache named `cache` (the CacheObserver of worker/cache). */
  recordCache(cache: string, result: "hit" | "miss"): void {
    this.guard(() => {
      const c = this.cacheCounts(cache);
      if (result === "hit") c.hits++;
      else c.misses++;
    });
  }

  /** Entries the cache named `cache` evicted to respect its bounds. */
  recordCacheEvictions(cache: string, count: number): void {
    this.guard(() => {
      this.cacheCounts(cache).evictions += count;
    });
  }

  /** An error in a component that did not become a 5xx on its own (e.g. admission RPC failed, request passed through). */
  recordError(component: ErrorComponent): void {
    this.guard(() => {
      this.errors[component]++;
    });
  }

  /** Whether a flush is due: N requests waiting, or the oldest waiting record older than the interval. */
  isDue(now: number): boolean {
    if (this.pending === 0 && !this.hasAnything()) return false;
    if (this.pending >= this.maxRequests) return true;
    const since = this.lastFlushAt ?? this.firstAt ?? now;
    return now - since >= this.intervalMs;
  }

  /**
   * Starts a flush inside `waitUntil` if one is due (or `force`d and there is anything to send)
   * and none is running. Never throws and never awaits the Monitor: call it after building the
   * response. Returns whether it started one.
   */
  flushIfDue(now: number, send: SendBatch, waitUntil: WaitUntil, force = false): boolean {
    try {
      if (this.delivering || !(force || this.isDue(now))) return false;
      const batch = this.takeBatch(now);
      if (!batch) return false;
      waitUntil(this.startDelivery(batch, send));
      return true;
    } catch {
      this.stats.internalErrors++;
      return false;
    }
  }

  /**
   * Sends everything recorded so far and resolves once the Monitor has it (or the retry gave
   * up): for a reader that must see this isolate's latest requests, such as a /metrics scrape.
   * Waits for a delivery already under way first, because the Monitor ignores a batch whose
   * seq is not above the last one it saw. Never throws.
   */
  async flushNow(now: number, send: SendBatch): Promise<void> {
    try {
      while (this.delivering) await this.delivering;
      const batch = this.takeBatch(now);
      if (batch) await this.startDelivery(batch, send);
    } catch {
      this.stats.internalErrors++;
    }
  }

  private startDelivery(batch: TelemetryBatch, send: SendBatch): Promise<void> {
    const delivery: Promise<void> = this.deliver(batch, send).finally(() => {
      if (this.delivering === delivery) this.delivering = null;
    });
    this.delivering = delivery;
    return delivery;
  }

  /** Everything recorded since the last batch, as a batch (and a fresh start); null if there is nothing. */
  takeBatch(now: number): TelemetryBatch | null {
    if (!this.hasAnything()) return null;
    const batch: TelemetryBatch = {
      v: 1,
      source: this.source,
      seq: ++this.seq,
      from: this.firstAt ?? now,
      to: Math.max(this.lastAt, this.firstAt ?? now),
      series: [...this.series.values()].map((s) => ({ ...s.labels, latency: s.latency.toWire(), statuses: s.statuses })),
      components: { queue: this.components.queue.toWire(), db: this.components.db.toWire(), handler: this.components.handler.toWire() },
      db: { queries: this.db.queries.toWire(), slow: this.db.slow, errors: this.db.errors, slowByRoute: this.db.slowByRoute, slowest: this.db.slowest },
      cache: this.cache,
      errors: this.errors,
      flush: { ...this.unreported },
      ...(Object.keys(this.controllerCalls).length > 0 ? { controllerCalls: this.controllerCalls } : {}),
    };
    this.controllerCalls = {};
    this.unreported = { failures: 0, dropped: 0 };
    this.series = new Map();
    this.components = newComponents();
    this.db = newDb();
    this.cache = {};
    this.errors = newErrors();
    this.pending = 0;
    this.firstAt = null;
    this.lastFlushAt = now;
    return batch;
  }

  private async deliver(batch: TelemetryBatch, send: SendBatch): Promise<void> {
    try {
      await send(batch);
      this.stats.flushes++;
      return;
    } catch {
      this.stats.failures++;
      this.unreported.failures++;
    }
    // One retry with the same seq: if the first attempt did arrive, the Monitor ignores this one.
    try {
      if (this.retryDelayMs > 0) await new Promise((r) => setTimeout(r, this.retryDelayMs));
      await send(batch);
      this.stats.flushes++;
    } catch {
      this.stats.dropped++;
      this.unreported.dropped++;
      // The failures and drops this batch was carrying never arrived either: carry them again,
      // or a Monitor that stays down would be told of only the last one. (If the first attempt
      // did arrive unanswered, they are counted twice: an outage over-reported, never hidden.)
      this.unreported.failures += batch.flush.failures;
      this.unreported.dropped += batch.flush.dropped;
      console.warn(JSON.stringify({ level: "warn", event: "telemetry_batch_dropped", source: this.source, seq: batch.seq }));
    }
  }

  private cacheCounts(cache: string): CacheCounts {
    return (this.cache[cache] ??= { hits: 0, misses: 0, evictions: 0 });
  }

  private hasAnything(): boolean {
    return this.pending > 0 || this.db.queries.count > 0 || Object.keys(this.cache).length > 0 || Object.keys(this.controllerCalls).length > 0 || Object.values(this.errors).some((n) => n > 0);
  }

  private touch(now: number, isRequest = true): void {
    if (isRequest) this.pending++;
    this.firstAt ??= now;
    this.lastAt = Math.max(this.lastAt, now);
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch {
      // Telemetry must never fail a request; a bug here shows up as this counter.
      this.stats.internalErrors++;
    }
  }
}

const keyOf = (l: SeriesLabels): string => `${l.route}\u0000${l.method}\u0000${l.tenant}\u0000${l.priority}\u0000${l.outcome}`;

const newComponents = (): Record<TimingComponent, SketchBuilder> => ({ queue: new SketchBuilder(), db: new SketchBuilder(), handler: new SketchBuilder() });
const newDb = (): { queries: SketchBuilder; slow: number; errors: number; slowByRoute: Record<string, number>; slowest: SlowQuery[] } => ({
  queries: new SketchBuilder(),
  slow: 0,
  errors: 0,
  slowByRoute: {},
  slowest: [],
});
const newErrors = (): Record<ErrorComponent, number> => ({ api: 0, admission: 0, db: 0, cache: 0 });
