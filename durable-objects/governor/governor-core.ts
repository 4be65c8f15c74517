/**
 * The ResourceGovernor's decisions (DESIGN.md section 8), pure: time is an argument.
 *
 * - Reports: each controller's demand about once a second; its D1 query counts and times make
 *   up the fleet's latency window. A report is answered at once with the tenant's cap, cut
 *   from the shares of the latest budget.
 * - Tick (once a second, the DO's alarm): tenants whose root was silent for `staleAfterMs` are
 *   forgotten (and shard reports that old; with nobody left the budget is back at its ceiling),
 *   the window feeds the contention detector, the budget moves
 *   (contention.ts: cut on contention, kept only if the cut did not cost the fleet's admitted
 *   rate) and the shares are cut again.
 * - Shares: weighted max-min fair shares (fair-share.ts) of the budget by what each tenant
 *   wants: its demand or its Holt forecast one interval ahead, whichever is higher (so a rising
 *   tenant's share is there before it queues), plus one slot of headroom (so a tenant running
 *   one request can start a second without waiting a round); nothing once the tenant has been
 *   silent for an interval and a half (what it held goes to the others then).
 * - Caps: its share plus all of the budget nobody wants right now (the spare), at least 1.
 *   While D1 has room, a tenant whose demand jumps between two reports uses the idle budget at
 *   once instead of queueing for a round. Several tenants bursting at once may then run more
 *   than the budget until their next reports, a second at most, and only while there was a
 *   spare, i.e. D1 was not wanted in full; once tenants want it all there is no spare, each cap
 *   is its fair share, and the caps add up to the budget. The floor of 1 lets a tenant
 *   given nothing (idle at its last report, or more tenants than budget) make progress and be
 *   heard, so the caps may exceed the budget by one per such tenant. A cap is at most one
 *   report interval old.
 * - Saturation steering (saturation-steering.ts), once a tick: each tenant's fair share of the
 *   rate the fleet admits, and the pass scale its saturation shedder applies, so the weights
 *   hold where a shared thread rather than D1 is the bottleneck.
 */
import type { DemandReport, GovernorReply, GovernorTenantView, GovernorView } from "../contracts/governor";
import { HoltForecast } from "../admission/holt-forecast";
import { BudgetGuard, ContentionDetector, nextBudget, type ContentionOptions, type ContentionSnapshot, type GuardOptions } from "./contention";
import { fairShares } from "./fair-share";
import { SaturationSteering, type SteeringInput } from "./saturation-steering";
import { sum } from "../numeric/sum";

export interface GovernorOptions {
  /** DB_MAX_CONNECTIONS: the budget's ceiling. */
  maxBudget: number;
  /** Nominal report and tick interval, ms. */
  intervalMs: number;
  /** A tenant silent this long is forgotten (it wants nothing after 1.5 intervals already). */
  staleAfterMs: number;
  /** How far ahead a tenant's demand is forecast. */
  horizonMs: number;
  /** Slots added to a tenant's want (see above). */
  headroom: number;
  contention?: Partial<ContentionOptions>;
  guard?: Partial<GuardOptions>;
}

export const GOVERNOR_DEFAULTS: Omit<GovernorOptions, "maxBudget"> = { intervalMs: 1000, staleAfterMs: 2500, horizonMs: 1000, headroom: 1 };

/** A tenant not heard from for this many report intervals has gone quiet (reports come about once an interval while it has traffic). */
const SILENT_AFTER_INTERVALS = 1.5;

/** What survives a restart: the budget and the no-load baseline (tenants report again within a second). */
export interface GovernorSnapshot extends ContentionSnapshot {
  budget: number;
  /** When the budget was set, ms (absent in snapshots from before it was stored). */
  at?: number;
}

/**
 * The part of a stored snapshot a governor starting at `now` resumes: the baseline always, the
 * budget only while the tenants it was cut for would still be remembered (`staleAfterMs`).
 * Older, the load that set it may be gone, and a restarted governor held the next tenant at
 * a neighbour's cut (bench/README.md, "The quiet fleet's cut"); a contention still there is
 * found again within `sustainTicks` windows, as by a new governor.
 */
export function resumable(stored: GovernorSnapshot, now: number, staleAfterMs = GOVERNOR_DEFAULTS.staleAfterMs): GovernorSnapshot {
  const fresh = stored.at === undefined || (Number.isFinite(stored.at) && now - stored.at < staleAfterMs);
  return fresh ? stored : { baselineMs: stored.baselineMs, budget: Number.NaN };
}

/** What a tenant's shard controller reported last: its part of the tenant's demand and rates. */
interface ShardPart {
  demand: number;
  inflight: number;
  admittedPerSec: number;
  wantedPerSec: number;
  weight: number;
  receivedAt: number;
}

interface TenantState {
  report: DemandReport;
  receivedAt: number;
  holt: HoltForecast;
}

export class GovernorCore {
  private readonly options: GovernorOptions;
  private readonly tenants = new Map<string, TenantState>();
  private readonly detector: ContentionDetector;
  private readonly guard: BudgetGuard;
  private budgetNow: number;
  private window = { queries: 0, totalMs: 0 };
  private lastTickAt: number | null = null;
  private shares = new Map<string, number>();
  private caps = new Map<string, number>();
  private wants = new Map<string, number>();
  private readonly steering = new SaturationSteering();
  /** Per tenant, its shards' last reports by index. */
  private readonly shardParts = new Map<string, Map<number, ShardPart>>();

  constructor(options: Partial<GovernorOptions> & { maxBudget: number }, restored: GovernorSnapshot | null = null) {
    this.options = { ...GOVERNOR_DEFAULTS, ...options };
    if (!(Number.isSafeInteger(this.options.maxBudget) && this.options.maxBudget >= 1)) throw new RangeError(`maxBudget must be a whole number >= 1, got ${this.options.maxBudget}`);
    this.detector = new ContentionDetector(this.options.contention, restored);
    this.guard = new BudgetGuard(this.options.guard);
    // A new governor trusts D1 until it sees contention; a restarted one resumes where it was (see resumable).
    const stored = restored?.budget;
    this.budgetNow = clampBudget(typeof stored === "number" && Number.isFinite(stored) ? stored : this.options.maxBudget, this.options.maxBudget);
  }

  get budget(): number {
    return this.budgetNow;
  }

  get maxBudget(): number {
    return this.options.maxBudget;
  }

  get tenantCount(): number {
    return this.tenants.size;
  }

  /** Records a controller's report and answers with its cap. Malformed numbers count as 0 (weight as 1). */
  report(raw: DemandReport, now: number): GovernorReply {
    const report = sanitize(raw);
    if (report.shard !== undefined) return this.shardReport(report, report.shard, now);
    let state = this.tenants.get(report.tenant);
    if (!state) {
      state = { report, receivedAt: now, holt: new HoltForecast({ intervalMs: this.options.intervalMs }) };
      this.tenants.set(report.tenant, state);
    }
    state.report = report;
    state.receivedAt = now;
    state.holt.observe(this.demandOf(report), now);
    this.window.queries += report.dbQueries;
    this.window.totalMs += report.dbMs;
    this.cut(now);
    return this.replyTo(report.tenant);
  }

  /**
   * A shard's report: its demand and rates count toward its tenant's (its root reports its own
   * without the slots it reserved for shards: a reservation counted as demand made a sharded
   * tenant want its whole limit, whatever ran in it). Its D1 use does not count: counting it made
   * the noisy local contention signal cut the budget while a sharded tenant drained, and the next
   * tenant's cap then starved its leases (bench/README.md, "Weights at the shedder").
   */
  private shardReport(report: DemandReport, index: number, now: number): GovernorReply {
    let parts = this.shardParts.get(report.tenant);
    if (!parts) this.shardParts.set(report.tenant, (parts = new Map()));
    parts.set(index, {
      demand: report.demand,
      inflight: report.inflight ?? report.demand,
      admittedPerSec: report.admittedPerSec,
      wantedPerSec: wantedOf(report),
      weight: report.weight,
      receivedAt: now,
    });
    return this.replyTo(report.tenant);
  }

  private replyTo(tenant: string): GovernorReply {
    return {
      cap: this.capOf(tenant),
      budget: this.budgetNow,
      fairRatePerSec: this.steering.fairRateOf(tenant),
      passScale: round2(this.steering.scaleOf(tenant)),
      leases: !this.steering.isOverServed(tenant),
    };
  }

  /** The once-a-second step: forget the silent, read contention, move the budget, cut again. */
  tick(now: number): void {
    for (const [tenant, state] of this.tenants) if (now - state.receivedAt >= this.options.staleAfterMs) this.tenants.delete(tenant);
    for (const [tenant, parts] of this.shardParts) {
      for (const [index, part] of parts) if (now - part.receivedAt >= this.options.staleAfterMs) parts.delete(index);
      if (parts.size === 0) this.shardParts.delete(tenant);
    }
    // Nobody left: nothing loads D1, and a cut was an answer to a load that is gone; the next
    // tenant starts from the ceiling, as with a new governor.
    if (this.tenants.size === 0 && this.shardParts.size === 0) this.budgetNow = this.options.maxBudget;
    const elapsedMs = this.lastTickAt === null ? this.options.intervalMs : Math.max(1, now - this.lastTickAt);
    this.lastTickAt = now;
    this.detector.observe({ ...this.window, elapsedMs }, now);
    this.window = { queries: 0, totalMs: 0 };
    this.cut(now);
    const proposed = nextBudget({
      budget: this.budgetNow,
      max: this.options.maxBudget,
      signal: this.detector.signal,
      concurrency: this.detector.concurrencyInD1,
      threshold: this.detector.options.threshold,
      demand: sum([...this.wants.values()]),
      inflight: sum([...this.tenants.values()].map((t) => (t.report.inflight ?? t.report.demand) + this.shardSum(t.report.tenant, (p) => p.inflight))),
      sustained: this.detector.sustained,
      contenders: this.rememberedTenants(),
    });
    const rate = sum([...this.tenants.values()].map((t) => t.report.admittedPerSec));
    this.budgetNow = Math.min(this.options.maxBudget, Math.max(1, this.guard.step(this.budgetNow, proposed, rate)));
    this.cut(now);
    this.steering.step(this.tenantRates(now));
  }

  /**
   * Tenants heard from (root or shards) within `staleAfterMs`: those a cut may protect. Not only
   * those that want D1 this second: a quiet tenant whose requests come every few seconds would
   * otherwise find the budget grown back at each of them.
   */
  private rememberedTenants(): number {
    return new Set([...this.tenants.keys(), ...this.shardParts.keys()]).size;
  }

  /** The tenant's cap now (1 for a tenant the governor has not heard from). */
  capOf(tenant: string): number {
    return Math.max(1, this.caps.get(tenant) ?? 0);
  }

  shareOf(tenant: string): number {
    return this.shares.get(tenant) ?? 0;
  }

  view(now: number): GovernorView {
    const tenants: GovernorTenantView[] = [...this.tenants.values()]
      .map(({ report, holt, receivedAt }) => ({
        tenant: report.tenant,
        demand: this.demandOf(report),
        forecast: round2(holt.forecast(this.options.horizonMs, now)),
        weight: report.weight,
        share: this.shareOf(report.tenant),
        cap: this.capOf(report.tenant),
        admittedPerSec: round2(report.admittedPerSec),
        wantedPerSec: round2(wantedOf(report)),
        fairRatePerSec: this.steering.fairRateOf(report.tenant),
        passScale: round2(this.steering.scaleOf(report.tenant)),
        dbMsPerSec: round2(report.dbMsPerSec),
        reportedAt: receivedAt,
      }))
      .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
    const signal = this.detector.signal;
    return {
      budget: this.budgetNow,
      maxBudget: this.options.maxBudget,
      contention: {
        signal: signal === null ? null : round2(signal),
        threshold: this.detector.options.threshold,
        d1Concurrency: roundOrNull(this.detector.concurrencyInD1),
        latencyMs: roundOrNull(this.detector.latencyMs),
        baselineMs: roundOrNull(this.detector.baselineMs),
      },
      totalDemand: round2(sum([...this.wants.values()])),
      tenants,
      at: now,
    };
  }

  /** What to store; `at` is when it is taken (the caller stores it when budget or baseline changed). */
  snapshot(at?: number): GovernorSnapshot {
    return { budget: this.budgetNow, ...this.detector.snapshot(), ...(at !== undefined ? { at } : {}) };
  }

  /** Each tenant's rates: its root's report plus its shards' (a tenant heard only from its shards counts too). */
  private tenantRates(now: number): SteeringInput[] {
    const rates = new Map<string, SteeringInput>();
    const freshSince = this.heardSince(now);
    for (const { report, receivedAt } of this.tenants.values()) {
      rates.set(report.tenant, { tenant: report.tenant, admittedPerSec: report.admittedPerSec, wantedPerSec: wantedOf(report), weight: report.weight, fresh: receivedAt >= freshSince });
    }
    for (const [tenant, shards] of this.shardParts) {
      const total = rates.get(tenant) ?? { tenant, admittedPerSec: 0, wantedPerSec: 0, weight: [...shards.values()][0]?.weight ?? 1, fresh: false };
      for (const r of shards.values()) {
        total.admittedPerSec += r.admittedPerSec;
        total.wantedPerSec += r.wantedPerSec;
        if (r.receivedAt >= freshSince) total.fresh = true;
      }
      rates.set(tenant, total);
    }
    return [...rates.values()];
  }

  /** The tenant's demand: its root's and its shards' (their last reports). */
  private demandOf(report: DemandReport): number {
    return report.demand + this.shardSum(report.tenant, (p) => p.demand);
  }

  /**
   * Reports received before this are a tenant gone quiet (SILENT_AFTER_INTERVALS): the one
   * rule for the fair shares' wants and the steering's fresh reports.
   */
  private heardSince(now: number): number {
    return now - SILENT_AFTER_INTERVALS * this.options.intervalMs;
  }

  private lastHeardFrom(state: TenantState): number {
    const parts = this.shardParts.get(state.report.tenant);
    return Math.max(state.receivedAt, ...(parts ? [...parts.values()].map((p) => p.receivedAt) : []));
  }

  private shardSum(tenant: string, of: (part: ShardPart) => number): number {
    const parts = this.shardParts.get(tenant);
    return parts ? sum([...parts.values()].map(of)) : 0;
  }

  /**
   * What a tenant wants: max(demand, forecast) plus headroom; nothing when both are 0, and
   * nothing once it went silent (no report from its root or shards for SILENT_AFTER_INTERVALS
   * intervals): a controller reports about once an interval while it has traffic, so silence is
   * a tenant gone quiet, and its last report would otherwise hold its share from the others
   * until it is forgotten (staleAfterMs).
   */
  private wantOf(state: TenantState, now: number): number {
    if (this.lastHeardFrom(state) < this.heardSince(now)) return 0;
    const expected = Math.max(this.demandOf(state.report), state.holt.forecast(this.options.horizonMs, now));
    return expected > 0 ? expected + this.options.headroom : 0;
  }

  private cut(now: number): void {
    this.wants = new Map([...this.tenants].map(([tenant, state]) => [tenant, this.wantOf(state, now)]));
    const tenants = [...this.tenants.values()];
    this.shares = fairShares(
      this.budgetNow,
      tenants.map((s) => ({ id: s.report.tenant, demand: this.wants.get(s.report.tenant) ?? 0, weight: s.report.weight })),
    );
    const spare = Math.max(0, this.budgetNow - sum([...this.shares.values()]));
    this.caps = new Map(tenants.map((s) => [s.report.tenant, (this.shares.get(s.report.tenant) ?? 0) + spare]));
  }
}

function sanitize(r: DemandReport): DemandReport {
  const nonNegative = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);
  return {
    tenant: String(r.tenant),
    at: Number.isFinite(r.at) ? r.at : 0,
    demand: nonNegative(r.demand),
    ...(r.inflight !== undefined ? { inflight: nonNegative(r.inflight) } : {}),
    admittedPerSec: nonNegative(r.admittedPerSec),
    ...(r.wantedPerSec !== undefined ? { wantedPerSec: nonNegative(r.wantedPerSec) } : {}),
    dbMsPerSec: nonNegative(r.dbMsPerSec),
    dbQueries: nonNegative(r.dbQueries),
    dbMs: nonNegative(r.dbMs),
    weight: Number.isFinite(r.weight) && r.weight > 0 ? r.weight : 1,
    ...(Number.isSafeInteger(r.shard) && (r.shard ?? -1) >= 0 ? { shard: r.shard } : {}),
  };
}

/** What the tenant wanted admitted: never less than what it was (an older controller reports no wanted rate). */
function wantedOf(report: DemandReport): number {
  return Math.max(report.admittedPerSec, report.wantedPerSec ?? 0);
}

function clampBudget(value: number, max: number): number {
  return Math.min(max, Math.max(1, Math.floor(value)));
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
const roundOrNull = (v: number | null): number | null => (v === null ? null : round2(v));
