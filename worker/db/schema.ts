import { sql } from "drizzle-orm";
import { check, foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are stored as integer milliseconds since the epoch and shown as ISO 8601. */

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The tenant's quota overrides (JSON of DESIGN.md section 3); null means "all defaults". */
  quota: text("quota", { mode: "json" }).$type<Record<string, unknown>>(),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The key's first characters, kept in clear so an operator can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. The key itself is shown once and never stored. */
    hash: text("hash").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.hash), index("api_keys_tenant_idx").on(t.tenantId), index("api_keys_created_idx").on(t.createdAt)],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** Lower-cased on write so uniqueness is case-insensitive. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("users_tenant_email_uq").on(t.tenantId, t.email),
    // Target of the tasks -> users composite key: an assignee must belong to the task's tenant.
    uniqueIndex("users_tenant_id_uq").on(t.tenantId, t.id),
    index("users_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
  ],
);

export const tasks = sqliteTable(
  "tasks",
  {
    /** Internal rowid alias: stable, so the full-text index can point at it. */
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    status: text("status", { enum: ["pending", "in_progress", "completed"] }).notNull(),
    priority: text("priority", { enum: ["low", "medium", "high"] }).notNull(),
    dueDate: integer("due_date"),
    assigneeId: text("assignee_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    version: integer("version").notNull().default(1),
  },
  (t) => [
    uniqueIndex("tasks_id_uq").on(t.id),
    // The database itself refuses an assignee from another tenant (NULL assignee skips the check).
    foreignKey({ columns: [t.tenantId, t.assigneeId], foreignColumns: [users.tenantId, users.id] }),
    // One index per list filter / sort, each led by tenant_id so no request scans another tenant.
    index("tasks_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    index("tasks_tenant_updated_idx").on(t.tenantId, t.updatedAt, t.id),
    index("tasks_tenant_due_idx").on(t.tenantId, t.dueDate, t.id),
    index("tasks_tenant_assignee_idx").on(t.tenantId, t.assigneeId, t.createdAt),
    index("tasks_tenant_priority_idx").on(t.tenantId, t.priority, t.createdAt),
    // Covers the stats query (status x priority x overdue) and the status filter.
    index("tasks_tenant_status_idx").on(t.tenantId, t.status, t.priority, t.dueDate),
  ],
);

/**
 * Each tenant's data version (DESIGN.md section 9): every write of the tenant's tasks or users
 * bumps it in its own D1 batch, so a read that finds the version it cached its answer under
 * knows no write has committed since. No row yet means version 0 (nothing written).
 */
export const tenantDataVersions = sqliteTable("tenant_data_versions", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  version: integer("version").notNull(),
});

/**
 * One Idempotency-Key of a tenant (DESIGN.md section 10). While its first request runs the row
 * is a claim (`response_status` null, `expires_at` a short claim lifetime); the write that
 * request makes stores its answer here in the same D1 batch, and `expires_at` becomes the 24 h
 * retention. A row past `expires_at` counts as absent and may be claimed anew.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** SHA-256 of the request body, hex. */
    bodyHash: text("body_hash").notNull(),
    /** Random per request: only the request holding the claim may store the answer. */
    claimToken: text("claim_token").notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index("idempotency_keys_expires_idx").on(t.expiresAt)],
);

/**
 * Lets the batch that stores an idempotent answer abort itself when its request no longer
 * holds the key's claim: like `batch_guard` (migration 0002), but its named constraint tells
 * this failure apart from a write's own guard. Empty outside a transaction.
 */
export const idempotencyClaimGuard = sqliteTable("idempotency_claim_guard", { held: integer("held").notNull() }, (t) => [
  check("idempotency_claim_held", sql`${t.held} = 1`),
]);

export type TaskRow = typeof tasks.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
