import { DurableObject } from "cloudflare:workers";
import { AdmissionCore, type Lease } from "./admission/admission-core";
import { REQUEST_PRIORITIES, type AcquireRequest, type AcquireResult, type AdmissionStateDocument, type AdmissionStats, type Quota, type ReleaseReport } from "./admission/contract";
import {
  budgetRow,
  decodeQuota,
  decodeRestored,
  encodeQuota,
  leaseRow,
  pendingSchemaSteps,
  SCHEMA_VERSION,
  SCHEMA_VERSION_TABLE,
} from "./admission/storage-schema";

/**
 * One tenant's admission controller (DESIGN.md section 4), addressed by idFromName(tenantId).
 * The decisions live in AdmissionCore (pure); this class wires them to the runtime:
 *
 * - Storage: SQLite. Every change to a budget (bucket level, learned limit and RTTs, service
 *   time) and every lease is written synchronously in the same event that made it, so an
 *   evicted or restarted object comes back with the bucket as drained as it left it, the
 *   limit it had learned, and the slots still leased. Sync SQL writes are local and
 *   coalesced by the output gate; only decisions that changed nothing (e.g. a 429) skip it.
 * - Waiting: a queued acquire() returns a promise the core settles on grant, eviction or
 *   deadline; one setTimeout per waiter wakes the object at its deadline.
 * - Leases: the alarm is set to the earliest lease expiry only while leases exist; it
 *   reclaims the slots whose release never came (an isolate died) and re-arms itself.
 * - Quota: `configure()` stores it and applies it at once. Until then, the quota passed as
 *   acquire's second argument configures the object on its first request; afterwards the
 *   stored quota wins (the Worker's copy may be stale; configure() is the way to change it).
 */
export class AdmissionController extends DurableObject<Env> {
  private core: AdmissionCore | undefined;
  private readonly sql: SqlStorage;
  private persistedVersion = -1;
  /** The alarm we know to be set (mirrors storage so a lease costs no getAlarm()). */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      const row = this.sql.exec<{ body: string }>("SELECT body FROM quota WHERE id = 1").toArray()[0];
      const quota = row ? decodeQuota(row.body) : undefined;
      if (quota) this.core = this.buildCore(quota, Date.now());
      this.alarmAt = await ctx.storage.getAlarm();
      // Leases restored with no alarm behind them (e.g. a crash between the two writes).
      const next = this.core?.nextLeaseExpiry();
      if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) this.setAlarm(next);
    });
  }

  /**
   * Admits, queues or refuses one request. Resolves at once, or when a queued request is
   * granted, evicted or reaches its deadline. `quota` is only used when the object has none
   * stored yet; a call with neither throws.
   */
  async acquire(req: AcquireRequest, quota?: Quota): Promise<AcquireResult> {
    const core = this.coreOrConfigure(quota);
    const now = Date.now();
    const outcome = core.acquire(req, now);
    this.persist();
    if (outcome.kind !== "queued") return outcome.result;
    const { waiter } = outcome;
    // At the deadline, time is at least the deadline even if the clock ticked coarsely.
    const timer = setTimeout(() => this.expire(Math.max(Date.now(), waiter.deadline)), Math.max(0, waiter.deadline - now));
    try {
      return await waiter.answer;
    } finally {
      clearTimeout(timer);
    }
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
    this.sql.exec("INSERT INTO quota (id, body, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at", encodeQuota(quota), now);
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
    const next = this.core.nextLeaseExpiry();
    if (next !== undefined && (this.alarmAt === null || next < this.alarmAt)) this.setAlarm(next);
  }

  private expire(now: number): void {
    if (!this.core) return;
    this.core.expire(now);
    this.persist();
  }

  private coreOrConfigure(quota: Quota | undefined): AdmissionCore {
    if (this.core) return this.core;
    if (!quota) throw new Error("AdmissionController has no quota: call configure(quota) or pass the tenant's quota to acquire()");
    const now = Date.now();
    this.core = this.buildCore(quota, now);
    this.sql.exec("INSERT INTO quota (id, body, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING", encodeQuota(quota), now);
    return this.core;
  }

  private buildCore(quota: Quota, now: number): AdmissionCore {
    const budget = this.sql.exec("SELECT bucket_tokens, bucket_updated_at, limit_state, service_state FROM budget WHERE id = 1").toArray()[0];
    const leases = this.sql.exec("SELECT ticket, priority, cost, granted_at, expires_at, inflight_at_grant FROM leases").toArray();
    const core = new AdmissionCore({
      quota,
      now,
      restored: decodeRestored(budget, leases),
      hooks: {
        leaseStarted: (lease) => this.leaseStarted(lease),
        leaseEnded: (lease) => this.leaseEnded(lease),
      },
    });
    this.persistedVersion = core.durableVersion;
    return core;
  }

  private leaseStarted(lease: Lease): void {
    const row = leaseRow(lease);
    this.sql.exec(
      "INSERT OR REPLACE INTO leases (ticket, priority, cost, granted_at, expires_at, inflight_at_grant) VALUES (?, ?, ?, ?, ?, ?)",
      row.ticket,
      row.priority,
      row.cost,
      row.granted_at,
      row.expires_at,
      row.inflight_at_grant,
    );
    if (this.alarmAt === null || lease.expiresAt < this.alarmAt) this.setAlarm(lease.expiresAt);
  }

  private leaseEnded(lease: Lease): void {
    this.sql.exec("DELETE FROM leases WHERE ticket = ?", lease.ticket);
    // Nothing left to reclaim: no alarm (an early alarm with leases left just re-arms).
    if (this.core?.inflight === 0 && this.alarmAt !== null) {
      this.alarmAt = null;
      void this.ctx.storage.deleteAlarm();
    }
  }

  private setAlarm(at: number): void {
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Writes the budget row when a budget changed since the last write. */
  private persist(): void {
    const core = this.core;
    if (!core || core.durableVersion === this.persistedVersion) return;
    const row = budgetRow(core.snapshot());
    this.sql.exec(
      `INSERT INTO budget (id, bucket_tokens, bucket_updated_at, limit_state, service_state) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET bucket_tokens = excluded.bucket_tokens, bucket_updated_at = excluded.bucket_updated_at,
         limit_state = excluded.limit_state, service_state = excluded.service_state`,
      row.bucket_tokens,
      row.bucket_updated_at,
      row.limit_state,
      row.service_state,
    );
    this.persistedVersion = core.durableVersion;
  }

  private migrate(): void {
    this.sql.exec(SCHEMA_VERSION_TABLE);
    const stored = this.sql.exec<{ version: number }>("SELECT version FROM schema_version WHERE id = 1").toArray()[0]?.version ?? 0;
    const steps = pendingSchemaSteps(stored);
    if (steps.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const step of steps) for (const statement of step) this.sql.exec(statement);
      this.sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", SCHEMA_VERSION);
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
