import { DurableObject } from "cloudflare:workers";
import { AdmissionReporter } from "./admission/monitor-reporter";
import { GovernorLink } from "./admission/governor-link";
import { MONITOR_NAME, parseControllerName, shardControllerName } from "./contracts/object-names";
import type { ShardLeaseGrant, ShardLeaseRequest, ShardMap } from "./contracts/shards";
import { ShardServing } from "./admission/shard-serving";
import { maxShardsFor, ShardPlan, TICK_MS, type RootCallKind, type ShardPlanSnapshot } from "./admission/shard-plan";
import { DEFAULT_MAX_SHARDS } from "./admission/shard-autoscaler";
import { SaturationShedder, shedderOptionsFor, type ShedderOptions } from "./admission/saturation-shedder";
import { configOf } from "../worker/config";
import { AdmissionCore, type AcquireOutcome, type Lease, type RestoredAdmission } from "./admission/admission-core";
import { REQUEST_PRIORITIES, type AcquireRequest, type AcquireResult, type AdmissionStateDocument, type LeaseRenewal, type LeaseUsage, type AdmissionStats, type Quota, type ReleaseReport } from "./contracts/admission";
import {
  BUDGET_KEY,
  decodeQuota,
  decodeRestored,
  LEASE_PREFIX,
  leaseKey,
  pendingSchemaSteps,
  QUOTA_KEY,
  SCHEMA_VERSION,
  SCHEMA_VERSION_TABLE,
  type StoredBudget,
  type StoredLease,
} from "./admission/storage-schema";

/** Where the root keeps its shard plan (K, map version, forecast): written only when K changes. */
const SHARD_PLAN_KEY = "shard-plan";
/** A probe or surrender call to a shard that takes longer than this counts as failed. */
const SHARD_CALL_TIMEOUT_MS = 1000;

/** Hot-path writes: applied to the local database at once, but no response waits for them. */
const UNCONFIRMED = { allowUnconfirmed: true } as const;
/** Latency samples a lease renewal may carry: enough for the limiter, bounded per call. */
const MAX_RENEWAL_SAMPLES = 64;
/** How long a change may wait to be written: the most a crash or eviction can lose. */
export const PERSIST_DELAY_MS = 50;
/**
 * The event-loop lag probe: a timer this often while requests arrive (or shedding is on)...
 * Every timer event costs the object's thread runtime overhead, so not more often than this
 * (the measurement is in bench/README.md).
 */
const LAG_PROBE_MS = 25;
/** ...and until this long after the last acquire. */
const LAG_PROBE_IDLE_MS = 500;

/**
 * One tenant's admission controller (DESIGN.md section 4), addressed by idFromName(tenantId).
 * The decisions live in AdmissionCore (pure); this class wires them to the runtime:
 *
 * - Storage: the key-value API of the SQLite-backed storage (layout in storage-schema.ts),
 *   written behind: decisions only mark what changed, and one flush at most PERSIST_DELAY_MS
 *   later writes the budget (bucket, limit, RTTs, service time) if it changed and the leases
 *   that started or ended meanwhile (`lease:<ticket>` put or deleted). A lease that starts and
 *   ends inside one window (most of them: they last milliseconds) is never written at all. So
 *   an evicted or restarted object comes back with the bucket as drained as it left it, the
 *   limit and service time it had learned and the slots still leased, as of its last flush.
 *   TRADE-OFF: a crash or eviction loses at most the last PERSIST_DELAY_MS of changes after
 *   their callers got their answers: a few tokens the bucket regains, leases whose slots free
 *   early, a few RTT samples. Acceptable because this is a rate and capacity budget, not a
 *   record of truth: the error is bounded by one window's decisions, gone after one lease
 *   lifetime, nothing is run twice or reported wrongly (a lost lease's release is ignored:
 *   release is idempotent), and a crash drops the in-flight requests anyway. Writing every
 *   change as it happened would cost several storage writes per admitted request on the
 *   object's one thread (what that cost is in bench/README.md).
 * - Saturation: while requests arrive, a timer every LAG_PROBE_MS measures how late it fires
 *   (event-loop lag) and feeds the core's SaturationShedder, which sheds the lowest priorities
 *   first while this object's thread is saturated. It stops when the tenant goes quiet and
 *   nothing is being shed, so an idle object costs nothing.
 * - Waiting: a queued acquire() returns a promise the core settles on grant, eviction or
 *   deadline; one setTimeout per waiter wakes the object at its deadline.
 * - Leases: the alarm is armed (unconfirmed) when a lease is granted or extended and no alarm
 *   is pending or the lease expires earlier; it is never deleted on the hot path. When it fires it
 *   reclaims the slots whose release never came (an isolate died) and re-arms for the
 *   earliest lease left; an alarm that finds no expired lease reclaims nothing, and one that
 *   finds no lease at all does not re-arm.
 * - Shards (DESIGN.md section 7): the object named `<tenant>` is the tenant's root; it keeps
 *   the quota and, through ShardPlan, decides K from the forecast controller calls. Objects
 *   named `<tenant>#<i>` are its shards: they admit with budget leased from the root
 *   (ShardServing, shard-budget.ts) and persist nothing (a lost shard's lease lapses at the
 *   root and its slots come back). While K > 1 the root's alarm ticks every TICK_MS, probes
 *   the shards every HEALTH_CHECK_INTERVAL and takes back the budget of retired ones. Every
 *   answer carries the shard map when the caller's version is not the current one.
 * - Quota: `configure()` stores it (confirmed: a cold path) and applies it at once. Until
 *   then, the quota passed as acquire's second argument configures the object on its first
 *   request; afterwards the stored quota wins (the Worker's copy may be stale; configure()
 *   is the way to change it).
 */
export class AdmissionController extends DurableObject<Env> {
  private core: AdmissionCore | undefined;
  private readonly storage: DurableObjectStorage;
  /** What storage held at start, for a core built later (first acquire or configure). */
  private restored: RestoredAdmission = {};
  private persistedVersion = -1;
  private readonly reporter: AdmissionReporter;
  /** Demand to the ResourceGovernor, its cap back (governor-link.ts). */
  private readonly governor: GovernorLink;
  /** The alarm we know to be set (mirrors storage so a lease costs no getAlarm()). */
  private alarmAt: number | null = null;
  /** Leases started or ended since the last flush (a lease both started and ended is in neither). */
  private readonly leasesToPut = new Map<string, Lease>();
  private readonly leasesToDelete = new Set<string>();
  /** Leases that storage holds (written by a flush, or found at start): only these need a delete. */
  private readonly storedLeases = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lagProbe: ReturnType<typeof setTimeout> | undefined;
  private lastAcquireAt = 0;
  private readonly shedderOptions: ShedderOptions;
  private readonly tenant: string;
  /** Set when this object is shard i of its tenant, not the root. */
  private readonly shard: ShardServing | undefined;
  /** The root's view of its shards (built with the core). */
  private plan: ShardPlan | undefined;
  private restoredPlan: ShardPlanSnapshot | null = null;
  private readonly targetRps: number;
  private readonly healthIntervalMs: number;
  private readonly faultInjection: boolean;
  /** FAULT_INJECTION=on only: every call fails, as an overloaded object's would. */
  private down = false;
  /** With `down`: the root's cheap health probe still gets an answer (a failure only requests see). */
  private answersProbes = false;
  /** Acquires the fault refused (the root's probes are refused too, but not counted: they run on its own clock). */
  private refusedAcquires = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    // An invalid var throws here, naming it: the object refuses to run on a misread config.
    const config = configOf(env);
    this.shedderOptions = shedderOptionsFor(config.resources.cpuMaxCapacity);
    this.targetRps = config.controllerTargetRps;
    this.healthIntervalMs = config.healthCheckIntervalMs;
    this.faultInjection = config.faultInjection;
    const named = parseControllerName(ctx.id.name ?? ctx.id.toString());
    this.tenant = named.tenant;
    this.reporter = new AdmissionReporter({ source: ctx.id.toString(), tenant: named.tenant, startedAt: Date.now() }, config.monitoringIntervalMs);
    // The root reports the tenant's demand and takes its cap (the slots it leases its shards come out of its capped limit);
    // a shard reports only what it admitted and shed, and takes only the pass scale for its shedder.
    this.governor = new GovernorLink(env, ctx, named.tenant, config.resourceGovernor, named.index);
    this.shard = named.index === null ? undefined : this.shardServing(named.index);
    void ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      const [values, leases, alarmAt] = await Promise.all([this.storage.get([QUOTA_KEY, BUDGET_KEY, SHARD_PLAN_KEY]), this.storage.list({ prefix: LEASE_PREFIX }), this.storage.getAlarm()]);
      this.alarmAt = alarmAt;
      // A shard persists nothing: its budget is leased, and a lost lease lapses at the root.
      if (this.shard) return;
      this.restoredPlan = (values.get(SHARD_PLAN_KEY) as ShardPlanSnapshot | undefined) ?? null;
      this.restored = decodeRestored(values.get(BUDGET_KEY), leases.values());
      for (const lease of this.restored.leases ?? []) this.storedLeases.add(lease.ticket);
      const quota = decodeQuota(values.get(QUOTA_KEY));
      if (quota) this.core = this.buildCore(quota, Date.now());
    });
  }

  /**
   * Admits, queues or refuses one request. Resolves at once, or when a queued request is
   * granted, evicted or reaches its deadline. `quota` is only used when the object has none
   * stored yet; a call with neither throws.
   */
  async acquire(req: AcquireRequest, quota?: Quota): Promise<AcquireResult> {
    if (this.down) this.refusedAcquires++;
    this.failIfDown();
    const now = Date.now();
    let outcome: AcquireOutcome;
    if (this.shard) {
      this.lastAcquireAt = now;
      const answer = await this.shard.acquire(req, now);
      this.probeLag();
      if (answer.kind === "not_serving") return this.withMap(req, answer.result);
      outcome = answer.outcome;
    } else {
      const core = this.core ?? this.configureFromFirstAcquire(quota);
      this.noteRootCall(now, req.forwarded === true ? "forwarded" : "acquire");
      this.lastAcquireAt = now;
      this.probeLag();
      outcome = core.acquire(req, now);
    }
    this.persist();
    if (outcome.kind === "granted" && outcome.result.isolateLease) this.armForLeases();
    if (outcome.kind !== "queued") return this.reported(req, outcome.result);
    const { waiter } = outcome;
    // At the deadline, time is at least the deadline even if the clock ticked coarsely.
    const timer = setTimeout(() => this.expire(Math.max(Date.now(), waiter.deadline)), Math.max(0, waiter.deadline - now));
    try {
      return this.reported(req, await waiter.answer);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Feeds the Monitor (off the response path, at most once per interval) and passes the answer on. */
  private reported(req: AcquireRequest, result: AcquireResult): AcquireResult {
    if (result.granted) this.reporter.recordWait(req.priority, result.queuedMs);
    const core = this.active;
    const snapshot = core && this.reporter.takeIfDue(Date.now(), () => this.reportedStats(core));
    if (snapshot) {
      const monitor = this.env.MONITOR.get(this.env.MONITOR.idFromName(MONITOR_NAME));
      this.ctx.waitUntil(monitor.ingestAdmission(snapshot).catch(() => undefined));
    }
    this.governor.reportIfDue(core);
    return this.withMap(req, result);
  }

  /**
   * The stats the Monitor gets. A root's limit and in flight already count the slots it leased
   * to its shards, so a shard reports neither (the Monitor adds a tenant's controllers up).
   */
  private reportedStats(core: AdmissionCore): AdmissionStats {
    const stats = core.stats(Date.now());
    if (this.shard) return { ...stats, limit: 0, inflight: 0 };
    return this.plan ? { ...stats, shards: this.plan.k } : stats;
  }

  /** The answer, with the shard map when the caller's copy is not the current one. */
  private withMap<T extends AcquireResult>(req: AcquireRequest, result: T): T {
    const map: ShardMap | undefined = this.shard ? this.shard.shardMap : this.plan?.map();
    return map && req.shardMapVersion !== map.version ? { ...result, shardMap: map } : result;
  }

  /** Frees the slot and feeds the limiter. Idempotent: unknown, reclaimed or repeated tickets are ignored. */
  async release(ticket: string, report: ReleaseReport): Promise<void> {
    this.failIfDown();
    const core = this.active;
    if (!core) return;
    const now = Date.now();
    if (this.shard) {
      this.shard.noteCall(now);
      this.shard.noteRelease(report);
    } else {
      // Only a root's D1 use feeds the governor's contention signal (governor-core.ts, shardReport).
      this.noteRootCall(now, "other");
      this.governor.recordRelease(report);
    }
    core.release(ticket, report, now);
    this.persist();
  }

  /**
   * An isolate renews the budget it admits with by itself (isolate-leases.ts): it reports
   * what it used, its latency samples and the requests it still runs, and gets its next lease.
   */
  async renewLease(id: string, usage: LeaseUsage, samples: ReleaseReport[]): Promise<LeaseRenewal | null> {
    this.failIfDown();
    const core = this.active;
    if (!core) return null;
    const now = Date.now();
    if (this.shard) this.shard.noteCall(now);
    else this.noteRootCall(now, "other");
    const renewal = core.renewIsolateLease(id, usage, samples.slice(0, MAX_RENEWAL_SAMPLES), now);
    if (!this.shard) {
      this.governor.recordLeaseSamples(samples.slice(0, MAX_RENEWAL_SAMPLES));
      this.governor.reportIfDue(core);
    }
    this.persist();
    if (renewal.lease) this.armForLeases();
    return renewal;
  }

  /**
   * Keeps a lease alive while its work still runs (the Worker calls this shortly before it
   * would lapse). Returns the ms the lease has left, or null if it is no longer held.
   */
  async extendLease(ticket: string, byMs: number): Promise<number | null> {
    const core = this.active;
    if (!core) return null;
    return core.extendLease(ticket, byMs, Date.now());
  }

  /**
   * A shard renews its capacity lease (root only; shard-budget.ts): its returned tokens come
   * back, its samples feed the limiter, and it gets tokens and slots by its share of the
   * demand, or only a drain lease once K no longer includes it.
   */
  async renewShardLease(req: ShardLeaseRequest): Promise<ShardLeaseGrant> {
    const core = this.core;
    if (this.shard || !core) throw new Error(`${this.tenant} cannot lease shard capacity: ${this.shard ? "it is a shard" : "it has no quota"}`);
    const now = Date.now();
    const plan = this.planOf(core, now);
    this.noteRootCall(now, "shard-renewal");
    const retired = !plan.isServing(req.index, now);
    const answer = core.renewShardLease({ ...req, samples: req.samples.slice(0, MAX_RENEWAL_SAMPLES) }, { ...plan.liveDemand(now, core.limit), retired }, now);
    plan.noteRenewal(req, answer.lease?.id, now);
    this.persist();
    this.armForLeases();
    return { lease: answer.lease, targetSlots: answer.targetSlots, quota: core.currentQuota, loadLevel: answer.loadLevel, rateLimit: core.rateLimit(now), shardMap: plan.map(), retired };
  }

  /** The root's health probe of a shard: answers at once unless the shard is failing. */
  async ping(): Promise<{ ok: true }> {
    if (!this.answersProbes) this.failIfDown();
    return { ok: true };
  }

  /** The root retired this shard: it gives its tokens (and slots, once free) back now. */
  async surrender(): Promise<void> {
    await this.shard?.surrender(Date.now());
  }

  /**
   * FAULT_INJECTION=on only: makes every call to this object fail (or recover), to test
   * failover. With `answersProbes` the root's probes still succeed, so only the isolates'
   * own ejection keeps the shard out. Returns how many acquires the fault has refused so far.
   */
  async injectFault(fault: { down: boolean; answersProbes?: boolean }): Promise<{ refused: number }> {
    if (!this.faultInjection) throw new Error("fault injection is off (FAULT_INJECTION)");
    this.down = fault.down;
    this.answersProbes = fault.answersProbes ?? false;
    return { refused: this.refusedAcquires };
  }

  /** Stores the quota and applies it at once (bucket, limit bounds/algorithm, queue bound). */
  async configure(quota: Quota): Promise<void> {
    const now = Date.now();
    if (this.core) this.core.configure(quota, now);
    else this.core = this.buildCore(quota, now);
    void this.storage.put(QUOTA_KEY, this.core.currentQuota);
    this.flush(); // a cold path: everything is written with the quota
  }

  /**
   * X-Fault-Controller: evict (DESIGN.md section 10; refused unless FAULT_INJECTION is on):
   * resets this object as a crash would. Whatever was not yet written behind is gone, calls in
   * progress (queued acquires) fail, and the next call starts a new instance from storage.
   * This call itself always throws: the object is gone before it can answer.
   */
  async chaosEvict(): Promise<void> {
    if (!configOf(this.env).faultInjection) throw new Error("chaosEvict needs FAULT_INJECTION=on");
    this.ctx.abort("evicted by X-Fault-Controller: evict");
  }

  /**
   * The state document of GET /admin/tenants/:id/admission. `quota` is the tenant's effective
   * quota as the Worker read it: a root not yet configured (no request yet) takes it, as from a
   * first acquire, so a new tenant's document already shows its limit and full bucket.
   */
  async state(quota?: Quota): Promise<AdmissionStateDocument> {
    const now = Date.now();
    if (this.shard) {
      const core = this.shard.admission;
      const state = core ? core.state(now) : unconfiguredState();
      return { ...state, shards: this.shard.shardMap?.k ?? 1, shard: this.shard.state() };
    }
    if (!this.core && !quota) return { ...unconfiguredState(), shards: 1 };
    const core = this.core ?? this.configureFromFirstAcquire(quota);
    const plan = this.planOf(core, now);
    const state = core.state(now);
    return { ...state, quota: core.currentQuota, shards: plan.k, sharding: plan.state(now, (id) => core.shardLease(id)) };
  }

  /** A cheap monitoring snapshot; null until the object has a quota. */
  async stats(): Promise<AdmissionStats | null> {
    const core = this.active;
    return core ? core.stats(Date.now()) : null;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const core = this.active;
    if (!core) return;
    const now = Date.now();
    this.expire(now);
    if (!this.shard && this.core) await this.superviseShards(this.planOf(this.core, now), now);
    this.armForLeases();
    this.armForPlan();
  }

  /**
   * The root's alarm while it has shards: decides K, probes the shards every
   * HEALTH_CHECK_INTERVAL (the health map goes out with the shard map) and asks retired
   * shards for their budget back.
   */
  private async superviseShards(plan: ShardPlan, now: number): Promise<void> {
    this.tickPlan(plan, now);
    const core = this.core;
    const probeDue = plan.k > 1 && (plan.lastProbeAt === null || now - plan.lastProbeAt >= this.healthIntervalMs);
    if (probeDue) {
      const indexes = Array.from({ length: plan.k }, (_, i) => i);
      const answers = await Promise.all(indexes.map((i) => withTimeout(this.shardStub(i).ping(), SHARD_CALL_TIMEOUT_MS).then(() => true, () => false)));
      plan.recordProbe(new Map(indexes.map((i) => [i, answers[i] ?? false])), Date.now());
    }
    const holding = plan.retiredHolding(Date.now());
    await Promise.all(
      holding.map(async (index) => {
        await withTimeout(this.shardStub(index).surrender(), SHARD_CALL_TIMEOUT_MS).catch(() => undefined);
        // A shard that did not answer keeps nothing for long: its lease lapses within its TTL.
        const leaseId = plan.leaseIdOf(index);
        if (leaseId !== undefined && !core?.shardLease(leaseId)) plan.forgetLease(index);
      }),
    );
  }

  private expire(now: number): void {
    const core = this.active;
    if (!core) return;
    core.expire(now);
    this.persist();
  }

  private configureFromFirstAcquire(quota: Quota | undefined): AdmissionCore {
    if (!quota) throw new Error("AdmissionController has no quota: call configure(quota) or pass the tenant's quota to acquire()");
    const core = this.buildCore(quota, Date.now());
    this.core = core;
    // Lost in a crash, it comes back with the next acquire's quota argument.
    void this.storage.put(QUOTA_KEY, core.currentQuota, UNCONFIRMED);
    return core;
  }

  /** The core this object admits with: the root's own, or a shard's leased one. */
  private get active(): AdmissionCore | undefined {
    return this.shard ? this.shard.admission : this.core;
  }

  private shardServing(index: number): ShardServing {
    const root = this.env.ADMISSION.get(this.env.ADMISSION.idFromName(this.tenant));
    return new ShardServing({
      index,
      root: this.tenant,
      renew: (req) => root.renewShardLease(req),
      buildCore: (quota, now) =>
        new AdmissionCore({
          quota,
          now,
          funded: true,
          shedder: new SaturationShedder(this.shedderOptions),
          hooks: { leaseStarted: (lease) => this.armAt(lease.expiresAt) },
        }),
      later: (fn, ms) => void setTimeout(fn, ms),
    });
  }

  private shardStub(index: number) {
    return this.env.ADMISSION.get(this.env.ADMISSION.idFromName(shardControllerName(this.tenant, index)));
  }

  private failIfDown(): void {
    if (!this.down) return;
    throw new Error("Durable Object is overloaded (fault injection)");
  }

  private planOf(core: AdmissionCore, now: number): ShardPlan {
    this.plan ??= new ShardPlan({ tenant: this.tenant, targetRps: this.targetRps, maxShards: maxShardsFor(core.currentQuota.maxConcurrency, DEFAULT_MAX_SHARDS) }, now, this.restoredPlan);
    this.restoredPlan = null;
    return this.plan;
  }

  /** A call the root served, for the plan's demand; K is decided at most once per TICK_MS. */
  private noteRootCall(now: number, kind: RootCallKind): void {
    const core = this.core;
    if (!core) return;
    const plan = this.planOf(core, now);
    plan.noteCall(kind);
    if (this.tickPlan(plan, now)) this.armForPlan();
  }

  private tickPlan(plan: ShardPlan, now: number): boolean {
    // The settled limit: a Gradient2 no-load probe's dip to a quarter would block doublings while it lasts.
    if (!plan.tick(now, false, (id) => this.core?.shardLease(id)?.slots, this.core?.settledLimit)) return false;
    void this.storage.put(SHARD_PLAN_KEY, plan.snapshot(), UNCONFIRMED);
    return true;
  }

  /** While the root has shards (or retired ones still hold budget) its alarm ticks every TICK_MS. */
  private armForPlan(): void {
    const plan = this.plan;
    if (!plan || this.shard) return;
    if (plan.k > 1 || plan.retiredHolding(Date.now()).length > 0 || plan.draining(Date.now())) this.armAt(Date.now() + TICK_MS);
  }

  private armAt(at: number): void {
    if (this.alarmAt === null || at < this.alarmAt) this.setAlarm(at);
  }

  private buildCore(quota: Quota, now: number): AdmissionCore {
    const core = new AdmissionCore({
      quota,
      now,
      restored: this.restored,
      shedder: new SaturationShedder(this.shedderOptions),
      hooks: {
        leaseStarted: (lease) => this.leaseStarted(lease),
        leaseEnded: (lease) => this.leaseEnded(lease),
      },
    });
    this.restored = {};
    this.persistedVersion = core.durableVersion;
    this.core = core;
    // Leases restored with no alarm behind them (e.g. a crash between the writes).
    this.armForLeases();
    return core;
  }

  /** Keeps one lag probe timer running while there is traffic or shedding. */
  private probeLag(): void {
    if (this.lagProbe !== undefined) return;
    const due = Date.now() + LAG_PROBE_MS;
    this.lagProbe = setTimeout(() => {
      this.lagProbe = undefined;
      const now = Date.now();
      // A shard's own core (its thread may be saturated as much as a root's).
      const core = this.active;
      if (!core) return;
      core.observeLag(now - due, now);
      if (now - this.lastAcquireAt < LAG_PROBE_IDLE_MS || core.saturationLevel > 0) this.probeLag();
    }, LAG_PROBE_MS);
  }

  private leaseStarted(lease: Lease): void {
    this.leasesToPut.set(lease.ticket, lease);
    if (this.alarmAt === null || lease.expiresAt < this.alarmAt) this.setAlarm(lease.expiresAt);
    this.scheduleFlush();
  }

  private leaseEnded(lease: Lease): void {
    // A lease that began and ended since the last flush was never written: nothing to delete.
    this.leasesToPut.delete(lease.ticket);
    if (this.storedLeases.has(lease.ticket)) this.leasesToDelete.add(lease.ticket);
    this.scheduleFlush();
  }

  private armForLeases(): void {
    const next = this.active?.nextLeaseExpiry();
    if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) this.setAlarm(next);
  }

  private setAlarm(at: number): void {
    this.alarmAt = at;
    void this.storage.setAlarm(at, UNCONFIRMED);
  }

  /** Ends every event that may have changed state: its changes are written with the next flush. */
  private persist(): void {
    if (this.core && this.core.durableVersion !== this.persistedVersion) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), PERSIST_DELAY_MS);
  }

  /**
   * Writes what changed since the last flush, in one event (so it commits together).
   * put() structured-clones the value at call time.
   */
  private flush(): void {
    this.flushTimer = undefined;
    const core = this.core;
    if (core && core.durableVersion !== this.persistedVersion) {
      void this.storage.put<StoredBudget>(BUDGET_KEY, core.snapshot(), UNCONFIRMED);
      this.persistedVersion = core.durableVersion;
    }
    for (const [ticket, lease] of this.leasesToPut) {
      void this.storage.put<StoredLease>(leaseKey(ticket), lease, UNCONFIRMED);
      this.storedLeases.add(ticket);
    }
    for (const ticket of this.leasesToDelete) {
      void this.storage.delete(leaseKey(ticket), UNCONFIRMED);
      this.storedLeases.delete(ticket);
    }
    this.leasesToPut.clear();
    this.leasesToDelete.clear();
  }

  private migrate(): void {
    const sql = this.storage.sql;
    sql.exec(SCHEMA_VERSION_TABLE);
    const stored = sql.exec<{ version: number }>("SELECT version FROM schema_version WHERE id = 1").toArray()[0]?.version ?? 0;
    const steps = pendingSchemaSteps(stored);
    if (steps.length === 0) return;
    this.storage.transactionSync(() => {
      for (const step of steps) for (const statement of step) sql.exec(statement);
      sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", SCHEMA_VERSION);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function unconfiguredState(): AdmissionStateDocument {
  const queued = Object.fromEntries(REQUEST_PRIORITIES.map((p) => [p, 0])) as AdmissionStateDocument["queued"];
  return {
    limit: 0,
    inflight: 0,
    queued,
    tokens: 0,
    loadLevel: "normal",
    decisions: { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 },
    leases: { active: 0, tokens: 0, slots: 0 },
    share: null,
    configured: false,
  };
}
