import { z } from "zod";
import type { Lease, RestoredAdmission } from "./admission-core";
import { LIMIT_ALGORITHMS, REQUEST_PRIORITIES, type Quota } from "./contract";
import type { LimitSnapshot } from "./limit";
import { assertValidQuota } from "./quota-rules";

/**
 * The AdmissionController's SQLite schema, versioned inside the object (one row in
 * `schema_version`): on start the DO applies, in order and in one transaction, every step
 * after the stored version, so an old object wakes up into new code safely. Append steps;
 * never edit a shipped one. Rows are decoded defensively: a row that no longer parses is
 * treated as absent (a fresh budget), never as NaN.
 */

export const SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";

export const SCHEMA_STEPS: readonly (readonly string[])[] = [
  // 1: quota, budgets (bucket level, learned limit and RTTs, service time), open leases.
  [
    "CREATE TABLE quota (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, updated_at INTEGER NOT NULL)",
    "CREATE TABLE budget (id INTEGER PRIMARY KEY CHECK (id = 1), bucket_tokens REAL NOT NULL, bucket_updated_at INTEGER NOT NULL, limit_state TEXT NOT NULL, service_state TEXT NOT NULL)",
    "CREATE TABLE leases (ticket TEXT PRIMARY KEY, priority TEXT NOT NULL, cost REAL NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, inflight_at_grant INTEGER NOT NULL)",
    "CREATE INDEX leases_by_expiry ON leases (expires_at)",
  ],
];

export const SCHEMA_VERSION = SCHEMA_STEPS.length;

/** The steps to run to bring `storedVersion` up to date. */
export function pendingSchemaSteps(storedVersion: number): readonly (readonly string[])[] {
  return SCHEMA_STEPS.slice(Math.max(0, storedVersion));
}

const nullableMs = z.number().nullable();
const LimitSnapshotSchema = z.discriminatedUnion("algorithm", [
  z.object({ algorithm: z.literal("gradient2"), limit: z.number(), shortRttMs: nullableMs, longRttMs: nullableMs, minRttMs: nullableMs }),
  z.object({ algorithm: z.literal("aimd"), limit: z.number() }),
]);
const ServiceSnapshotSchema = z.object({ serviceMs: nullableMs });
const QuotaSchema = z.object({
  rateLimit: z.object({ requests: z.number(), windowMs: z.number(), burst: z.number() }),
  maxConcurrency: z.number(),
  minConcurrency: z.number(),
  queueSize: z.number(),
  timeoutMs: z.number(),
  maxPriority: z.enum(REQUEST_PRIORITIES),
  routeCosts: z.record(z.string(), z.number()),
  limitAlgorithm: z.enum(LIMIT_ALGORITHMS).optional(),
});

export const BudgetRowSchema = z.object({ bucket_tokens: z.number(), bucket_updated_at: z.number(), limit_state: z.string(), service_state: z.string() });
export type BudgetRow = z.infer<typeof BudgetRowSchema>;

export const LeaseRowSchema = z.object({
  ticket: z.string(),
  priority: z.enum(REQUEST_PRIORITIES),
  cost: z.number(),
  granted_at: z.number(),
  expires_at: z.number(),
  inflight_at_grant: z.number(),
});
export type LeaseRow = z.infer<typeof LeaseRowSchema>;

export function encodeQuota(quota: Quota): string {
  return JSON.stringify(quota);
}

export function decodeQuota(body: unknown): Quota | undefined {
  const parsed = QuotaSchema.safeParse(parseJson(body));
  if (!parsed.success) return undefined;
  try {
    assertValidQuota(parsed.data);
    return parsed.data;
  } catch {
    return undefined;
  }
}

export function budgetRow(snapshot: { bucket: { tokens: number; updatedAt: number }; limit: LimitSnapshot; service: { serviceMs: number | null } }): BudgetRow {
  return {
    bucket_tokens: snapshot.bucket.tokens,
    bucket_updated_at: snapshot.bucket.updatedAt,
    limit_state: JSON.stringify(snapshot.limit),
    service_state: JSON.stringify(snapshot.service),
  };
}

/** Decodes what survived a restart; each part that fails to parse is simply left out. */
export function decodeRestored(budget: unknown, leases: readonly unknown[]): RestoredAdmission {
  const restored: RestoredAdmission = { leases: leases.flatMap((row) => decodeLease(row) ?? []) };
  const parsed = BudgetRowSchema.safeParse(budget);
  if (!parsed.success) return restored;
  restored.bucket = { tokens: parsed.data.bucket_tokens, updatedAt: parsed.data.bucket_updated_at };
  const limit = LimitSnapshotSchema.safeParse(parseJson(parsed.data.limit_state));
  if (limit.success) restored.limit = limit.data;
  const service = ServiceSnapshotSchema.safeParse(parseJson(parsed.data.service_state));
  if (service.success) restored.service = service.data;
  return restored;
}

export function leaseRow(lease: Lease): LeaseRow {
  return {
    ticket: lease.ticket,
    priority: lease.priority,
    cost: lease.cost,
    granted_at: lease.grantedAt,
    expires_at: lease.expiresAt,
    inflight_at_grant: lease.inflightAtGrant,
  };
}

function decodeLease(row: unknown): Lease | undefined {
  const parsed = LeaseRowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  return { ticket: r.ticket, priority: r.priority, cost: r.cost, grantedAt: r.granted_at, expiresAt: r.expires_at, inflightAtGrant: r.inflight_at_grant };
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
