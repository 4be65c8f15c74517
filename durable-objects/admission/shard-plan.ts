import type { ShardingState, ShardLeaseRequest, ShardMap } from "../contracts/shards";
import { shardControllerName } from "../contracts/object-names";
import { HoltForecast, type HoltSnapshot } from "./holt-forecast";
import { SCALE_UP_AFTER_MS, ShardAutoscaler, type ShardAutoscalerSnapshot } from "./shard-autoscaler";

/**
 * A tenant root's view of its shards (DESIGN.md section 7): how many serve (K, from the Holt
 * forecast of controller calls through ShardAutoscaler), what each reported at its last
 * renewal, which ones the last probe found failing, and the shard map the Worker learns from.
 * Pure: time is an argument; the controller does the calls and the storage.
 *
 * - Demand is the Worker's calls per second to the tenant's controllers, each counted once:
 *   the root's own acquires, releases and isolate-lease renewals (not its shards' renewals, nor
 *   an acquire a shard sent on) plus what each shard reported lately.
 * - Shrinking K does not cut shards off: a shard past the new K keeps being served for
 *   DRAIN_MS (isolates holding the old map still reach it), then is retired: it gets no new
 *   tokens and gives back what it holds.
 */

/** Each shard should be able to hold this many of the tenant's slots at its maximum concurrency. */
export const MIN_SLOTS_PER_SHARD = 2;
/** Demand is measured and K decided at most this often. */
export const TICK_MS = 1000;
/** A shard report older than this no longer counts as demand (the shard went quiet or away). */
export const REPORT_STALE_MS = 3000;
/** A shard dropped from the map is still served this long: longer than an isolate keeps a map unrefreshed. */
export const DRAIN_MS = 5000;
/** The forecast looks this far ahead: a doubling should be in place before the demand arrives. */
export const FORECAST_HORIZON_MS = 1000;

/**
 * What the root served: a Worker's acquire, an acquire a shard sent on (not_serving), any other
 * Worker call (release, isolate lease renewal), or a shard's lease renewal.
 */
export type RootCallKind = "acquire" | "forwarded" | "other" | "shard-renewal";

export interface ShardPlanOptions {
  tenant: string;
  /** ADMISSION_CONTROLLER_TARGET_RPS. */
  targetRps: number;
  /** Upper bound on K, a power of two. */
  maxShards: number;
  /** How long the forecast must stay over 70 % before K doubles (SCALE_UP_AFTER_MS unless given). */
  scaleUpAfterMs?: number;
}

export interface ShardPlanSnapshot {
  version: number;
  autoscaler: ShardAutoscalerSnapshot;
  holt: HoltSnapshot | null;
}

interface ShardReport {
  demandRps: number;
  callsPerSec: number;
  /** The K in force when the shard reported: a report from before a doubling says nothing of the new split. */
  k: number;
  at: number;
  leaseId: string | undefined;
  walletTokens: number;
}

export class ShardPlan {
  private readonly autoscaler: ShardAutoscaler;
  private readonly holt: HoltForecast;
  private mapVersion: number;
  private readonly reports = new Map<number, ShardReport>();
  private readonly unhealthy = new Set<number>();
  private readonly drainingUntil = new Map<number, number>();
  private ownCalls = 0;
  private ownAcquires = 0;
  /** Acquires per second the root served itself at the last tick: its own share of the demand. */
  private ownAcquireRps = 0;
  private windowStart: number;
  private measuredPerSec = 0;
  private busiestShardPerSec = 0;
  private probedAt: number | null = null;
  private cachedMap: ShardMap | undefined;
  /** Each shard's published weight: its slots when the map was last published (1 before it held any). */
  private weights: number[] = [];

  constructor(
    private readonly options: ShardPlanOptions,
    now: number,
    snapshot: ShardPlanSnapshot | null = null,
  ) {
    this.autoscaler = new ShardAutoscaler({ targetRps: options.targetRps, maxShards: options.maxShards, scaleUpAfterMs: options.scaleUpAfterMs ?? SCALE_UP_AFTER_MS }, snapshot?.autoscaler ?? null);
    this.holt = new HoltForecast({}, snapshot?.holt ?? null);
    this.mapVersion = snapshot?.version ?? 1;
    this.windowStart = now;
  }

  get k(): number {
    return this.autoscaler.shards;
  }

  get version(): number {
    return this.mapVersion;
  }

  /**
   * One call the root itself served. Only Worker calls that more shards would take off the
   * root count as scaling demand: a shard's renewal grows with K, and an acquire sent on by a
   * shard that could not serve was counted by that shard already, so counting either would
   * make each doubling call for the next.
   */
  noteCall(kind: RootCallKind): void {
    if (kind === "acquire" || kind === "other") this.ownCalls++;
    if (kind === "acquire" || kind === "forwarded") this.ownAcquires++;
  }

  /** A shard renewed: its demand counts from now on. */
  noteRenewal(req: ShardLeaseRequest, leaseId: string | undefined, now: number): void {
    this.reports.set(req.index, { demandRps: finite(req.demandRps), callsPerSec: finite(req.callsPerSec), k: this.k, at: now, leaseId, walletTokens: finite(req.walletTokens) });
  }

  /** Whether shard `index` is still to be given budget (in the map, or draining out of it). */
  isServing(index: number, now: number): boolean {
    return index < this.k || (this.drainingUntil.get(index) ?? -Infinity) > now;
  }

  /** Shards past K whose drain is over and whose lease the root still knows: to be asked for their budget back. */
  retiredHolding(now: number): number[] {
    return [...this.reports.entries()].filter(([index, report]) => !this.isServing(index, now) && report.leaseId !== undefined).map(([index]) => index);
  }

  leaseIdOf(index: number): string | undefined {
    return this.reports.get(index)?.leaseId;
  }

  /** Shards past K still being served for a while. */
  draining(now: number): boolean {
    for (const until of this.drainingUntil.values()) if (until > now) return true;
    return false;
  }

  /** The shard's lease is gone (returned or lapsed). */
  forgetLease(index: number): void {
    const report = this.reports.get(index);
    if (report) report.leaseId = undefined;
  }

  /**
   * Demand of the shards that reported lately and of the root's own acquires, for splitting
   * budget by share, and the slots the root keeps for itself (one, while it has more than K).
   */
  liveDemand(now: number, limit: number): { totalDemandRps: number; liveShards: number; reserveSlots: number } {
    let total = this.ownAcquireRps;
    for (const [index, report] of this.reports) if (this.isServing(index, now) && now - report.at <= REPORT_STALE_MS) total += report.demandRps;
    return { totalDemandRps: total, liveShards: this.k, reserveSlots: limit > this.k ? 1 : 0 };
  }

  /**
   * Measures the calls per second since the previous tick, feeds the forecast and lets the
   * autoscaler decide K, which grows only as far as the root's current `limit` gives every
   * shard MIN_SLOTS_PER_SHARD. Returns true when the map changed. At most once per TICK_MS unless forced.
   */
  tick(now: number, force = false, slotsOf: (leaseId: string) => number | undefined = () => undefined, limit = Infinity): boolean {
    const elapsed = now - this.windowStart;
    if (elapsed <= 0 || (!force && elapsed < TICK_MS)) return false;
    let shardCalls = 0;
    let busiest = 0;
    for (const [index, report] of this.reports) {
      if (!this.isServing(index, now) || now - report.at > REPORT_STALE_MS) continue;
      shardCalls += report.callsPerSec;
      if (report.k === this.k) busiest = Math.max(busiest, report.callsPerSec);
    }
    const ownPerSec = (this.ownCalls * 1000) / elapsed;
    this.measuredPerSec = ownPerSec + shardCalls;
    this.busiestShardPerSec = busiest;
    this.ownAcquireRps = (this.ownAcquires * 1000) / elapsed;
    this.ownCalls = 0;
    this.ownAcquires = 0;
    this.windowStart = now;
    // No balancer splits calls quite evenly, and K is there to keep every shard under the
    // target: the shards count as if each were as busy as the busiest, of those that reported
    // under this K (one that reported before a doubling carried twice its share now).
    this.holt.observe(ownPerSec + Math.max(shardCalls, busiest * this.k), now);
    const before = this.k;
    const after = this.autoscaler.decide(this.holt.forecast(FORECAST_HORIZON_MS, now), now, maxShardsFor(limit / MIN_SLOTS_PER_SHARD, this.options.maxShards));
    for (const [index, until] of this.drainingUntil) if (index < after || until <= now - DRAIN_MS) this.drainingUntil.delete(index);
    if (after === before) return this.reweigh(slotsOf);
    for (let index = after; index < before; index++) this.drainingUntil.set(index, now + DRAIN_MS);
    for (const index of [...this.unhealthy]) if (index >= after) this.unhealthy.delete(index);
    this.reweigh(slotsOf);
    this.changed();
    return true;
  }

  /**
   * The weights `weighted` balances by are the shards' slot shares. They are republished (a
   * new map version) only when one moved by half or more, so the map does not change with
   * every renewal.
   */
  private reweigh(slotsOf: (leaseId: string) => number | undefined): boolean {
    const next = Array.from({ length: this.k }, (_, index) => {
      const leaseId = this.reports.get(index)?.leaseId;
      return Math.max(1, (leaseId === undefined ? undefined : slotsOf(leaseId)) ?? 1);
    });
    const moved = next.some((weight, i) => {
      const was = this.weights[i] ?? 1;
      return Math.abs(weight - was) * 2 >= Math.max(was, 2);
    });
    if (!moved) return false;
    this.weights = next;
    this.changed();
    return true;
  }

  /** The root's probe of every shard in the map: which answered in time. Returns true when the health map changed. */
  recordProbe(healthy: ReadonlyMap<number, boolean>, now: number): boolean {
    this.probedAt = now;
    let changed = false;
    for (const [index, ok] of healthy) {
      if (index >= this.k) continue;
      if (ok === this.unhealthy.has(index)) {
        if (ok) this.unhealthy.delete(index);
        else this.unhealthy.add(index);
        changed = true;
      }
    }
    if (changed) this.changed();
    return changed;
  }

  get lastProbeAt(): number | null {
    return this.probedAt;
  }

  /** The map the Worker routes by. K = 1: no shards, the root serves. */
  map(): ShardMap {
    this.cachedMap ??= {
      version: this.mapVersion,
      k: this.k,
      shards: this.k === 1 ? [] : Array.from({ length: this.k }, (_, index) => ({ id: shardControllerName(this.options.tenant, index), weight: this.weights[index] ?? 1 })),
      unhealthy: [...this.unhealthy].sort((a, b) => a - b).map((index) => shardControllerName(this.options.tenant, index)),
    };
    return this.cachedMap;
  }

  state(now: number, leaseOf: (leaseId: string) => { tokens: number; slots: number } | undefined): ShardingState {
    const shards: ShardingState["shards"] = [];
    const indexes = new Set([...Array.from({ length: this.k === 1 ? 0 : this.k }, (_, i) => i), ...this.reports.keys()]);
    let tokens = 0;
    let slots = 0;
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const report = this.reports.get(index);
      const lease = report?.leaseId === undefined ? undefined : leaseOf(report.leaseId);
      if (!lease && index >= this.k) continue;
      const held = { tokens: (lease?.tokens ?? 0) + (lease ? (report?.walletTokens ?? 0) : 0), slots: lease?.slots ?? 0 };
      tokens += held.tokens;
      slots += held.slots;
      shards.push({
        id: shardControllerName(this.options.tenant, index),
        ...held,
        demandRps: report && now - report.at <= REPORT_STALE_MS ? report.demandRps : 0,
        healthy: !this.unhealthy.has(index),
        retiring: index >= this.k,
      });
    }
    return {
      k: this.k,
      mapVersion: this.mapVersion,
      callsPerSec: round(this.measuredPerSec),
      busiestShardCallsPerSec: round(this.busiestShardPerSec),
      forecastPerSec: round(this.holt.forecast(FORECAST_HORIZON_MS, now)),
      targetRps: this.options.targetRps,
      shards,
      leased: { tokens, slots },
      lastProbeAt: this.probedAt,
    };
  }

  snapshot(): ShardPlanSnapshot {
    return { version: this.mapVersion, autoscaler: this.autoscaler.snapshot(), holt: this.holt.snapshot() };
  }

  private changed(): void {
    this.mapVersion++;
    this.cachedMap = undefined;
  }
}

/** The largest power of two K may reach, at most `ceiling`: every shard needs at least one of the `slots` (at least one shard). */
export function maxShardsFor(slots: number, ceiling: number): number {
  const bound = Math.max(1, Math.min(ceiling, Math.floor(slots)));
  return 2 ** Math.floor(Math.log2(bound));
}

function finite(n: number): number {
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
