import { DurableObject } from "cloudflare:workers";
import { reconcile, type AlertRecord, type AlertTransition } from "./monitor/alerts/alert-log";
import { decisionDeltas, isBusy, sawTraffic } from "./monitor/ingest/admission-deltas";
import { evaluateAlertRules } from "./monitor/alerts/alert-rules";
import { countAdmission, countBatch, CumulativeCounters } from "./monitor/exposition/cumulative-counters";
import { dashboardData, type DashboardData } from "./monitor/reports/dashboard-data";
import { buildExposition, QUANTILE_WINDOW_MINUTES } from "./monitor/exposition/metrics-exposition";
import { parseMonitorConfig, type MonitorConfig } from "./monitor/monitor-config";
import { ALERT_HISTORY_MS, MonitorStore, SOURCE_RETENTION_MS, type SourceRecord } from "./monitor/monitor-store";
import { performanceReport, type PerformanceReport } from "./monitor/reports/performance-report";
import type { AdmissionSnapshot, TelemetryBatch } from "./contracts/telemetry";
import type { GovernorView } from "./contracts/governor";
import { GOVERNOR_NAME } from "./contracts/object-names";
import { TenantLabels } from "./monitor/exposition/tenant-labels";
import { nextAttemptAt, webhookPayload } from "./monitor/alerts/webhook-retry";
import { postWebhook } from "./monitor/alerts/webhook-delivery";
import { floorTo, MINUTE, Windows } from "./monitor/windows/windows";

/** Re-rank which tenants /metrics exports by id this often. */
const RERANK_EVERY_MS = 10 * MINUTE;
/** Keep the minute alarm running this long after the last report (silence guards need it). */
const ALARM_IDLE_MS = 10 * MINUTE;

export interface AlertsView {
  active: AlertRecord[];
  /** Closed alerts of the last 7 days, newest first. */
  recent: AlertRecord[];
}

/**
 * The account's Monitor (one instance, idFromName("global")). Isolates send it telemetry
 * batches and admission controllers their snapshots; it keeps the windows, the counters
 * and the alerts in SQLite (MonitorStore), so a restart keeps the last hour and more.
 *
 * Writes are synchronous SQL in the same event that changed the data (the output gate
 * coalesces them). The alarm runs once a minute while reports arrive: it folds closed
 * minutes, evaluates the alert rules, and delivers webhooks with backoff.
 */
export class Monitor extends DurableObject<Env> {
  private readonly store: MonitorStore;
  private readonly config: MonitorConfig;
  private windows = new Windows();
  private counters = new CumulativeCounters();
  private tenants: TenantLabels;
  private sources = new Map<string, SourceRecord>();
  private active: AlertRecord[] = [];
  private lastReportAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new MonitorStore(ctx.storage.sql);
    this.config = parseMonitorConfig(env as unknown as Record<string, unknown>);
    this.tenants = new TenantLabels(this.config.metricsMaxTenants);
    void ctx.blockConcurrencyWhile(async () => this.load());
  }

  /** A telemetry batch from an isolate. A repeated (source, seq) is ignored: a retried flush may have arrived. */
  async ingest(batch: TelemetryBatch, now: number = Date.now()): Promise<{ accepted: boolean }> {
    if (batch?.v !== 1) return { accepted: false };
    const prev = this.sources.get(batch.source);
    if (prev?.lastSeq !== null && prev?.lastSeq !== undefined && batch.seq <= prev.lastSeq) return { accepted: false };
    this.windows.addBatch(batch, now);
    countBatch(this.counters, batch, this.tenants);
    this.touchSource({ id: batch.source, kind: "isolate", tenant: null, lastSeen: now, busy: false, lastActiveAt: now, lastSeq: batch.seq, snapshot: null });
    this.persist(now);
    await this.ensureAlarm();
    return { accepted: true };
  }

  /** A snapshot from an AdmissionController (see AdmissionSnapshot for the counter semantics). */
  async ingestAdmission(snap: AdmissionSnapshot, now: number = Date.now()): Promise<void> {
    if (snap?.v !== 1) return;
    const prev = this.sources.get(snap.source);
    const deltas = decisionDeltas(prev?.snapshot ?? undefined, snap);
    this.windows.addAdmission(snap, deltas, now);
    countAdmission(this.counters, snap, deltas, this.tenants);
    // The snapshot is kept for gauges and the next delta; its waits are already counted.
    const kept: AdmissionSnapshot = { ...snap, queueWait: { critical: emptyWire(), high: emptyWire(), normal: emptyWire(), low: emptyWire() } };
    this.touchSource({
      id: snap.source,
      kind: "admission",
      tenant: snap.tenant,
      lastSeen: now,
      busy: isBusy(snap),
      lastActiveAt: sawTraffic(deltas) ? now : (prev?.lastActiveAt ?? null),
      lastSeq: null,
      snapshot: kept,
    });
    this.persist(now);
    await this.ensureAlarm();
  }

  /** GET /metrics (Prometheus text format 0.0.4). */
  async metricsText(now: number = Date.now()): Promise<string> {
    const governor = await this.governorView();
    return buildExposition({
      governor,
      counters: this.counters,
      recentMinutes: this.windows.minutes(QUANTILE_WINDOW_MINUTES, now),
      admission: [...this.sources.values()].flatMap((s) => (s.snapshot ? [s.snapshot] : [])),
      tenants: this.tenants,
      now,
    });
  }

  /** The ResourceGovernor's view for its gauges; null if it cannot be read (a scrape never fails for it). */
  private async governorView(): Promise<GovernorView | null> {
    try {
      return await this.env.GOVERNOR.get(this.env.GOVERNOR.idFromName(GOVERNOR_NAME)).view();
    } catch {
      return null;
    }
  }

  async performanceReport(now: number = Date.now()): Promise<PerformanceReport> {
    return performanceReport(this.windows, this.config, this.active, now);
  }

  async alerts(now: number = Date.now()): Promise<AlertsView> {
    const all = this.store.loadAlerts(now - ALERT_HISTORY_MS);
    return { active: all.filter((a) => a.endedAt === null), recent: all.filter((a) => a.endedAt !== null) };
  }

  /** The dashboard's charts: one point per minute over the last `minutes` (at most 60). */
  async dashboardData(minutes = 30, now: number = Date.now()): Promise<DashboardData> {
    const n = Math.min(60, Math.max(1, Math.floor(minutes)));
    return dashboardData(this.windows.minutes(n, now), this.active, now);
  }

  /** Runs the alert rules now (the alarm does this every minute); returns what changed. */
  async evaluate(now: number = Date.now()): Promise<AlertTransition[]> {
    this.windows.roll(now);
    if (now - Number(this.store.getSetting("reranked_at") ?? 0) >= RERANK_EVERY_MS) this.rerankTenants(now);
    const firing = evaluateAlertRules(this.windows, this.sources.values(), this.config, now);
    const result = reconcile(this.active, firing, now);
    this.active = result.active;
    this.store.saveAlerts(result.changed);
    this.store.pruneAlerts(now);
    if (this.config.alertWebhookUrl) {
      for (const t of result.transitions) this.store.enqueueWebhook({ id: `${t.alert.id}:${t.kind}`, payload: webhookPayload(t), attempts: 0, nextAttemptAt: now });
    }
    for (const id of this.store.deleteSourcesBefore(now - SOURCE_RETENTION_MS)) this.sources.delete(id);
    this.persist(now);
    return result.transitions;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.evaluate(now);
    await this.deliverWebhooks(now);
    const nextMinute = floorTo(now, MINUTE) + MINUTE + 1_000;
    const webhookAt = this.store.nextWebhookAt();
    const keepTicking = now - this.lastReportAt < ALARM_IDLE_MS || this.active.length > 0;
    const next = Math.min(keepTicking ? nextMinute : Number.POSITIVE_INFINITY, webhookAt ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, now + 1_000));
  }

  private load(): void {
    this.store.migrate();
    this.windows = new Windows(this.store.loadBuckets(), Number(this.store.getSetting("folded_through") ?? 0));
    this.counters = new CumulativeCounters(this.store.loadCounters());
    this.tenants = new TenantLabels(this.config.metricsMaxTenants, JSON.parse(this.store.getSetting("exported_tenants") ?? "[]") as string[]);
    this.sources = new Map(this.store.loadSources().map((s) => [s.id, s]));
    this.active = this.store.loadAlerts(Date.now() - ALERT_HISTORY_MS).filter((a) => a.endedAt === null);
    this.lastReportAt = Math.max(0, ...[...this.sources.values()].map((s) => s.lastSeen));
  }

  private touchSource(s: SourceRecord): void {
    this.sources.set(s.id, s);
    this.store.saveSource(s);
    this.lastReportAt = Math.max(this.lastReportAt, s.lastSeen);
  }

  private persist(now: number): void {
    this.windows.roll(now);
    this.store.saveWindowChanges(this.windows.takeChanges());
    this.store.saveCounters(this.counters.takeDirty());
    this.store.setSetting("exported_tenants", JSON.stringify(this.tenants.list()));
  }

  private rerankTenants(now: number): void {
    const traffic = new Map<string, number>();
    for (const [tenant, byPriority] of Object.entries(this.windows.window(60 * MINUTE, now).bucket.tenantOutcomes)) {
      let n = 0;
      for (const byOutcome of Object.values(byPriority)) for (const c of Object.values(byOutcome)) n += c ?? 0;
      traffic.set(tenant, n);
    }
    this.tenants.rerank(traffic);
    this.store.setSetting("reranked_at", String(now));
  }

  /** The alarm runs on the real clock, whatever `now` a caller passed for the data. */
  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(floorTo(Date.now(), MINUTE) + MINUTE + 1_000);
  }

  private async deliverWebhooks(now: number): Promise<void> {
    const url = this.config.alertWebhookUrl;
    if (!url) return;
    for (const d of this.store.dueWebhooks(now)) {
      const delivered = await postWebhook(fetch, url, d);
      if (delivered === "done") this.store.deleteWebhook(d.id);
      else {
        const at = delivered === "retry" ? nextAttemptAt(d.attempts + 1, now) : null;
        if (at === null) {
          console.error(JSON.stringify({ event: "alert_webhook_dropped", id: d.id, attempts: d.attempts + 1 }));
          this.store.deleteWebhook(d.id);
        } else this.store.enqueueWebhook({ ...d, attempts: d.attempts + 1, nextAttemptAt: at });
      }
    }
  }
}

const emptyWire = () => ({ bins: [], count: 0, sum: 0, min: 0, max: 0 });
