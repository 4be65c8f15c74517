import { z } from "zod";
import type { BudgetSnapshot, Lease, RestoredAdmission } from "./admission-core";
import { REQUEST_PRIORITIES, type Quota } from "../contracts/admission";
import { assertValidQuota } from "./quota-rules";
import { quotaShape } from "../contracts/quota-shape";

/**
 * The AdmissionController's storage layout, versioned inside the object (one row in the SQL
 * table `schema_version`): on start the DO applies, in order and in one transaction, every
 * step after the stored version, so an old object wakes up into new code safely. Append
 * steps; never edit a shipped one.
 *
 * The state lives in the key-value API of the SQLite-backed storage (the runtime's own table),
 * written with `allowUnconfirmed` on the hot path (a synchronous SQL write would hold every
 * response behind the output gate):
 *   "quota"           the Quota object                        (configure(), first acquire)
 *   "budget"          BudgetSnapshot {bucket, limit, service} (at most once per decision)
 *   "lease:<ticket>"  one Lease object per open lease          (put on grant, deleted on end)
 * Values are structured-cloned objects (no JSON). They are decoded defensively on start:
 * a value that no longer parses is treated as absent (a fresh budget), never as NaN.
 */

export const SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";

export const SCHEMA_STEPS: readonly (readonly string[])[] = [
  // 1: the state lives in the key-value keys below; no SQL table to create.
  [],
];

export const SCHEMA_VERSION = SCHEMA_STEPS.length;

/** The steps to run to bring `storedVersion` up to date. */
export function pendingSchemaSteps(storedVersion: number): readonly (readonly string[])[] {
  return SCHEMA_STEPS.slice(Math.max(0, storedVersion));
}

export const QUOTA_KEY = "quota";
export const BUDGET_KEY = "budget";
export const LEASE_PREFIX = "lease:";

export function leaseKey(ticket: string): string {
  return LEASE_PREFIX + ticket;
}

const nullableMs = z.number().nullable();
const BucketSnapshotSchema = z.object({ tokens: z.number(), updatedAt: z.number() });
const LimitSnapshotSchema = z.discriminatedUnion("algorithm", [
  z.object({ algorithm: z.literal("gradient2"), limit: z.number(), shortRttMs: nullableMs, longRttMs: nullableMs, minRttMs: nullableMs }),
  z.object({ algorithm: z.literal("aimd"), limit: z.number() }),
]);
const ServiceSnapshotSchema = z.object({ serviceMs: nullableMs });
const BudgetSchema = z.object({ bucket: z.unknown(), limit: z.unknown(), service: z.unknown() });
const QuotaSchema = z.object(quotaShape);
const LeaseSchema = z.object({
  ticket: z.string(),
  priority: z.enum(REQUEST_PRIORITIES),
  cost: z.number(),
  grantedAt: z.number(),
  expiresAt: z.number(),
  inflightAtGrant: z.number(),
});

/** The stored quota, or undefined when absent or no longer valid. */
export function decodeQuota(value: unknown): Quota | undefined {
  const parsed = QuotaSchema.safeParse(value);
  if (!parsed.success) return undefined;
  try {
    assertValidQuota(parsed.data);
    return parsed.data;
  } catch {
    return undefined;
  }
}

/** Decodes what survived a restart; each part that fails to parse is simply left out. */
export function decodeRestored(budget: unknown, leases: Iterable<unknown>): RestoredAdmission {
  const restored: RestoredAdmission = { leases: [] };
  for (const value of leases) {
    const lease = LeaseSchema.safeParse(value);
    if (lease.success) restored.leases!.push(lease.data);
  }
  const parts = BudgetSchema.safeParse(budget);
  if (!parts.success) return restored;
  const bucket = BucketSnapshotSchema.safeParse(parts.data.bucket);
  if (bucket.success) restored.bucket = bucket.data;
  const limit = LimitSnapshotSchema.safeParse(parts.data.limit);
  if (limit.success) restored.limit = limit.data;
  const service = ServiceSnapshotSchema.safeParse(parts.data.service);
  if (service.success) restored.service = service.data;
  return restored;
}

/** What is stored under BUDGET_KEY (the core's snapshot as is: structured-cloned by put()). */
export type StoredBudget = BudgetSnapshot;
/** What is stored under leaseKey(ticket). */
export type StoredLease = Lease;
