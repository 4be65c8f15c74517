import { DurableObject } from "cloudflare:workers";
import { AdmissionReporter } from "./admission/monitor-reporter";
import { MONITOR_NAME } from "./monitor/monitor-name";
import { AdmissionCore, type Lease, type RestoredAdmission } from "./admission/admission-core";
import { REQUEST_PRIORITIES, type AcquireRequest, type AcquireResult, type AdmissionStateDocument, type AdmissionStats, type Quota, type ReleaseReport } from "./admission/contract";
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

/** Hot-path writes: applied to the local database at once, but no response waits for them. */
const UNCONFIRMED = { allowUnconfirmed: true } as const;

/**
 * One tenant's admission controller (DESIGN.md section 4), addressed by idFromName(tenantId).
 * The decisions live in AdmissionCore (pure); this class wires them to the runtime:
 *
 * - Storage: the key-value API of the SQLite-backed storage (layout in storage-schema.ts).
 *   A grant puts its lease (`lease:<ticket>`), its end deletes it, and every decision event
 *   (acquire, release, a waiter's deadline, the alarm) ends with at most one put of the
 *   budget, and only if it changed, so an evicted or restarted object comes back with the
 *   bucket as drained as it left it, the limit, RTTs and service time it had learned, and the
 *   slots still leased. Decisions that changed nothing (e.g. a 429) write nothing.
 *   TRADE-OFF: the writes are `allowUnconfirmed`. They are applied to the local database in
 *   the same event and committed right after it (an eviction or restart sees them), but the
 *   output gate does not hold the RPC response until the commit is confirmed. So a crash
 *   (not an eviction) in the instant between a decision and its commit can lose that
 *   instant's change after the caller got its answer: a few tokens the bucket regains, one
 *   lease whose slot frees early, one RTT sample. Acceptable because this is a rate and
 *   capacity budget, not a record of truth: the error is bounded by one instant's decisions,
 *   it is gone after one lease lifetime, nothing is run twice or reported wrongly (a lost
 *   lease's release is ignored: release is idempotent), and a crash drops the in-flight
 *   requests anyway. Closing that window cost every request ~2.4 ms p50 (measured).
 * - Waiting: a queued acquire() returns a promise the core settles on grant, eviction or
 *   deadline; one setTimeout per waiter wakes the object at its deadline.
 * - Leases: the alarm is armed (unconfirmed) when a lease is granted and no alarm is pending
 *   or the lease expires earlier; it is never deleted on the hot path. When it fires it
 *   reclaims the slots whose release never came (an isolate died) and re-arms for the
 *   earliest lease left; an alarm that finds no expired lease reclaims nothing, and one that
 *   finds no lease at all does not re-arm.
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
  /** The alarm we know to be set (mirrors storage so a lease costs no getAlarm()). */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = ctx.storage;
    const intervalMs = Number(env.PERFORMANCE_MONITORING_INTERVAL);
    this.reporter = new AdmissionReporter(
      { source: ctx.id.toString(), tenant: ctx.id.name ?? ctx.id.toString(), startedAt: Date.now() },
      Number.isFinite(intervalMs) && intervalMs > 0 ? intervalMs : 10_000,
    );
    void ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      const [values, leases, alarmAt] = await Promise.all([this.storage.get([QUOTA_KEY, BUDGET_KEY]), this.storage.list({ prefix: LEASE_PREFIX }), this.storage.getAlarm()]);
      this.alarmAt = alarmAt;
      this.restored = decodeRestored(values.get(BUDGET_KEY), leases.values());
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
    const core = this.core ?? this.configureFromFirstAcquire(quota);
    const now = Date.now();
    const outcome = core.acquire(req, now);
    this.persist();
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
    const core = this.core;
    const snapshot = core && this.reporter.takeIfDue(Date.now(), () => core.stats(Date.now()));
    if (snapshot) {
      const monitor = this.env.MONITOR.get(this.env.MONITOR.idFromName(MONITOR_NAME));
      this.ctx.waitUntil(monitor.ingestAdmission(snapshot).catch(() => undefined));
    }
    return result;
  }

  /** Frees the slot and feeds the limiter. Idempotent: unknown, reclaimed or repeated tickets are ignored. */
  async release(ticket: string, report: ReleaseReport): Promise<void> {
    if (!this.core) return;
    this.core.release(ticket, report, Date.now());
    this.persist();
  }

  /** Stores the quota and applies it at once (bucket, limit bounds/algorithm, queue bound). */
  async configure(quota: Quota): Promise<void> {
    const now = Date.now();
    if (this.core) this.core.configure(quota, now);
    else this.core = this.buildCore(quota, now);
    void this.storage.put(QUOTA_KEY, this.core.currentQuota);
    this.persist();
  }

  /** The state document of GET /admin/tenants/:id/admission. */
  async state(): Promise<AdmissionStateDocument> {
    if (!this.core) return unconfiguredState();
    const state = this.core.state(Date.now());
    return { ...state, quota: this.core.currentQuota };
  }

  /** A cheap monitoring snapshot; null until the object has a quota. */
  async stats(): Promise<AdmissionStats | null> {
    return this.core ? this.core.stats(Date.now()) : null;
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.core) return;
    this.expire(Date.now());
    this.armForLeases();
  }

  private expire(now: number): void {
    if (!this.core) return;
    this.core.expire(now);
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

  private buildCore(quota: Quota, now: number): AdmissionCore {
    const core = new AdmissionCore({
      quota,
      now,
      restored: this.restored,
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

  private leaseStarted(lease: Lease): void {
    void this.storage.put<StoredLease>(leaseKey(lease.ticket), lease, UNCONFIRMED);
    if (this.alarmAt === null || lease.expiresAt < this.alarmAt) this.setAlarm(lease.expiresAt);
  }

  private leaseEnded(lease: Lease): void {
    void this.storage.delete(leaseKey(lease.ticket), UNCONFIRMED);
  }

  private armForLeases(): void {
    const next = this.core?.nextLeaseExpiry();
    if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) this.setAlarm(next);
  }

  private setAlarm(at: number): void {
    this.alarmAt = at;
    void this.storage.setAlarm(at, UNCONFIRMED);
  }

  /**
   * Ends every event that may have changed state: writes the budget when it changed since
   * the last write (once per event, however many waiters it answered). put() structured-clones
   * the value at call time, and all writes of one event commit together.
   * (Separate put/delete calls measured faster here than one multi-key put plus one multi-key delete.)
   */
  private persist(): void {
    const core = this.core;
    if (!core || core.durableVersion === this.persistedVersion) return;
    void this.storage.put<StoredBudget>(BUDGET_KEY, core.snapshot(), UNCONFIRMED);
    this.persistedVersion = core.durableVersion;
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

function unconfiguredState(): AdmissionStateDocument {
  const queued = Object.fromEntries(REQUEST_PRIORITIES.map((p) => [p, 0])) as AdmissionStateDocument["queued"];
  return {
    limit: 0,
    inflight: 0,
    queued,
    tokens: 0,
    loadLevel: "normal",
    decisions: { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 },
    configured: false,
  };
}
