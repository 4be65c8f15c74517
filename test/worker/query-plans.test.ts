import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../worker/db/client";
import { dataVersionQuery } from "../../worker/db/data-version";
import { listQuery, statsQuery } from "../../worker/db/tasks-repo";
import { TaskListQuerySchema } from "../../worker/schemas/task";

/**
 * Every list filter and the stats query must be served by an index led by tenant_id:
 * a plan line "SCAN tasks" (without USING INDEX) would read every tenant's rows.
 */
async function planOf(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string[]> {
  const { sql: text, params } = query.toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
  return rows.results.map((r) => r.detail);
}

const db = createDb(env.DB);
const filters: Record<string, string>[] = [
  {},
  { status: "pending" },
  { status: "pending,in_progress" },
  { priority: "high" },
  { assigneeId: "u1" },
  { dueAfter: "2030-01-01T00:00:00Z", dueBefore: "2030-02-01T00:00:00Z" },
  { q: "budget" },
  { status: "completed", priority: "low", sort: "-updatedAt" },
  { sort: "dueDate" },
];

describe("query plans", () => {
  for (const filter of filters) {
    it(`GET /v1/tasks?${new URLSearchParams(filter)} uses an index, never a full scan`, async () => {
      const plan = await planOf(listQuery(db, "tenant-1", TaskListQuerySchema.parse(filter)));
      const scans = plan.filter((line) => /^SCAN tasks\b/.test(line) && !/USING (COVERING )?INDEX/.test(line));
      expect(scans, plan.join("\n")).toEqual([]);
      expect(plan.some((line) => /tasks_tenant_|tasks_fts/.test(line)), plan.join("\n")).toBe(true);
    });
  }

  it("the stats query is served by the covering status index", async () => {
    const plan = await planOf(statsQuery(db, "tenant-1", Date.now()));
    expect(plan.join("\n")).toMatch(/USING COVERING INDEX tasks_tenant_status_idx/);
  });

  it("the data version a cached read checks is one primary-key lookup", async () => {
    const plan = await planOf(dataVersionQuery(db, "tenant-1"));
    expect(plan.join("\n")).toMatch(/SEARCH tenant_data_versions USING INDEX sqlite_autoindex_tenant_data_versions_1 \(tenant_id=\?\)/);
  });
});
