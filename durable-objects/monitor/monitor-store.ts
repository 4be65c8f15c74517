/**
 * The Monitor's SQLite storage, versioned inside the object: one row in `schema_version`,
 * and on start every step after the stored version runs in order (append steps, never edit
 * a shipped one). Rows that no longer decode are skipped, never half-read.
 *
 * Only the `SqlStorage` *type* of the runtime is used here; nothing is imported.
 */
import type { AlertRecord } from "./alerts/alert-log";
import type { Bucket } from "./windows/bucket";
import type { SourceState } from "./alerts/guards";
import type { AdmissionSnapshot } from "../contracts/telemetry";
import type { WindowChanges } from "./windows/windows";
import type { WebhookDelivery } from "./alerts/webhook-retry";

export const SCHEMA_STEPS: readonly (readonly string[])[] = [
  // 1: windows, cumulative counters, senders, alerts, webhook outbox, small settings.
  [
    "CREATE TABLE buckets (resolution_ms INTEGER NOT NULL, start INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (resolution_ms, start))",
    "CREATE TABLE counters (key TEXT PRIMARY KEY, value REAL NOT NULL)",
    "CREATE TABLE sources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, tenant TEXT, last_seen INTEGER NOT NULL, busy INTEGER NOT NULL, last_active_at INTEGER, last_seq INTEGER, snapshot TEXT)",
    "CREATE TABLE alerts (id TEXT PRIMARY KEY, key TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, summary TEXT NOT NULL, details TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER, updated_at INTEGER NOT NULL)",
    "CREATE INDEX alerts_by_start ON alerts (started_at)",
    "CREATE TABLE webhook_outbox (id TEXT PRIMARY KEY, payload TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL)",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  ],
];
export const SCHEMA_VERSION = SCHEMA_STEPS.length;

/** Closed alerts kept for /admin/alerts. */
export const ALERT_HISTORY_MS = 7 * 24 * 3_600_000;
/** Isolates come and go; forget one a day after it last reported. */
export const SOURCE_RETENTION_MS = 24 * 3_600_000;

export interface SourceRecord extends SourceState {
  lastSeq: number | null;
  snapshot: AdmissionSnapshot | null;
}

const parse = <T>(text: unknown): T | undefined => {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
};

export class MonitorStore {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
    const row = this.sql.exec<{ version: number }>("SELECT version FROM schema_version WHERE id = 1").toArray()[0];
    const stored = row?.version ?? 0;
    for (const step of SCHEMA_STEPS.slice(stored)) for (const statement of step) this.sql.exec(statement);
    this.sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", SCHEMA_VERSION);
  }

  schemaVersion(): number {
    return this.sql.exec<{ version: number }>("SELECT version FROM schema_version WHERE id = 1").toArray()[0]?.version ?? 0;
  }

  loadBuckets(): Bucket[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM buckets")
      .toArray()
      .flatMap((r) => {
        const b = parse<Bucket>(r.body);
        return b && typeof b.start === "number" && b.series ? [b] : [];
      });
  }

  saveWindowChanges(changes: WindowChanges): void {
    for (const b of changes.upserts) {
      this.sql.exec(
        "INSERT INTO buckets (resolution_ms, start, body) VALUES (?, ?, ?) ON CONFLICT (resolution_ms, start) DO UPDATE SET body = excluded.body",
        b.resolutionMs,
        b.start,
        JSON.stringify(b),
      );
    }
    for (const d of changes.deletes) this.sql.exec("DELETE FROM buckets WHERE resolution_ms = ? AND start = ?", d.resolutionMs, d.start);
    this.setSetting("folded_through", String(changes.foldedThrough));
  }

  loadCounters(): Array<[string, number]> {
    return this.sql
      .exec<{ key: string; value: number }>("SELECT key, value FROM counters")
      .toArray()
      .map((r): [string, number] => [r.key, r.value]);
  }

  saveCounters(dirty: Array<[string, number]>): void {
    for (const [key, value] of dirty) this.sql.exec("INSERT INTO counters (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  loadSources(): SourceRecord[] {
    type Row = { id: string; kind: string; tenant: string | null; last_seen: number; busy: number; last_active_at: number | null; last_seq: number | null; snapshot: string | null };
    return this.sql
      .exec<Row>("SELECT id, kind, tenant, last_seen, busy, last_active_at, last_seq, snapshot FROM sources")
      .toArray()
      .map((r) => ({
        id: r.id,
        kind: r.kind === "admission" ? "admission" : "isolate",
        tenant: r.tenant,
        lastSeen: r.last_seen,
        busy: r.busy === 1,
        lastActiveAt: r.last_active_at,
        lastSeq: r.last_seq,
        snapshot: parse<AdmissionSnapshot>(r.snapshot) ?? null,
      }));
  }

  saveSource(s: SourceRecord): void {
    this.sql.exec(
      `INSERT INTO sources (id, kind, tenant, last_seen, busy, last_active_at, last_seq, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, last_seen = excluded.last_seen, busy = excluded.busy,
         last_active_at = excluded.last_active_at, last_seq = excluded.last_seq, snapshot = excluded.snapshot`,
      s.id,
      s.kind,
      s.tenant,
      s.lastSeen,
      s.busy ? 1 : 0,
      s.lastActiveAt,
      s.lastSeq,
      s.snapshot ? JSON.stringify(s.snapshot) : null,
    );
  }

  deleteSourcesBefore(cutoff: number): string[] {
    return this.sql
      .exec<{ id: string }>("DELETE FROM sources WHERE last_seen < ? RETURNING id", cutoff)
      .toArray()
      .map((r) => r.id);
  }

  loadAlerts(sinceStartedAt: number): AlertRecord[] {
    type Row = { id: string; key: string; rule: string; severity: string; summary: string; details: string; started_at: number; ended_at: number | null; updated_at: number };
    return this.sql
      .exec<Row>("SELECT * FROM alerts WHERE ended_at IS NULL OR started_at >= ? ORDER BY started_at DESC", sinceStartedAt)
      .toArray()
      .map((r) => ({
        id: r.id,
        key: r.key,
        rule: r.rule,
        severity: r.severity === "ticket" ? "ticket" : "page",
        summary: r.summary,
        details: parse<AlertRecord["details"]>(r.details) ?? {},
        startedAt: r.started_at,
        endedAt: r.ended_at,
        updatedAt: r.updated_at,
      }));
  }

  saveAlerts(changed: AlertRecord[]): void {
    for (const a of changed) {
      this.sql.exec(
        `INSERT INTO alerts (id, key, rule, severity, summary, details, started_at, ended_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET summary = excluded.summary, details = excluded.details, ended_at = excluded.ended_at, updated_at = excluded.updated_at`,
        a.id,
        a.key,
        a.rule,
        a.severity,
        a.summary,
        JSON.stringify(a.details),
        a.startedAt,
        a.endedAt,
        a.updatedAt,
      );
    }
  }

  pruneAlerts(now: number): void {
    this.sql.exec("DELETE FROM alerts WHERE ended_at IS NOT NULL AND ended_at < ?", now - ALERT_HISTORY_MS);
  }

  enqueueWebhook(d: WebhookDelivery): void {
    this.sql.exec("INSERT OR REPLACE INTO webhook_outbox (id, payload, attempts, next_attempt_at) VALUES (?, ?, ?, ?)", d.id, JSON.stringify(d.payload), d.attempts, d.nextAttemptAt);
  }

  dueWebhooks(now: number): WebhookDelivery[] {
    type Row = { id: string; payload: string; attempts: number; next_attempt_at: number };
    return this.sql
      .exec<Row>("SELECT * FROM webhook_outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 20", now)
      .toArray()
      .flatMap((r) => {
        const payload = parse<WebhookDelivery["payload"]>(r.payload);
        return payload ? [{ id: r.id, payload, attempts: r.attempts, nextAttemptAt: r.next_attempt_at }] : [];
      });
  }

  nextWebhookAt(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM webhook_outbox").toArray()[0]?.t ?? null;
  }

  deleteWebhook(id: string): void {
    this.sql.exec("DELETE FROM webhook_outbox WHERE id = ?", id);
  }

  getSetting(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM settings WHERE key = ?", key).toArray()[0]?.value;
  }

  setSetting(key: string, value: string): void {
    this.sql.exec("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }
}
