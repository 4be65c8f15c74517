import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../worker/db/client";
import { applyTaskBatch } from "../../worker/db/task-batch";
import { ApiError } from "../../worker/errors";
import { call, createTask, createTenant, createUser, generousQuota, json } from "./helpers";

const countTasks = async (tenantId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM tasks WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())?.n;

describe("POST /v1/tasks/batch", () => {
  it("applies creates, updates and deletes together", async () => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant);
    const a = await createTask(tenant, { title: "a" });
    const b = await createTask(tenant, { title: "b" });
    const res = await call("POST", "/v1/tasks/batch", {
      token: tenant.apiKey,
      body: {
        operations: [
          { op: "create", data: { title: "c", assigneeId: user.id } },
          { op: "update", id: a.id, version: 1, data: { status: "completed" } },
          { op: "delete", id: b.id },
        ],
      },
    });
    expect(res.status).toBe(200);
    const { results } = await json<{ results: { op: string; id: string; task: { title: string; status: string; version: number } | null }[] }>(res);
    expect(results.map((r) => r.op)).toEqual(["create", "update", "delete"]);
    expect(results[0]?.task).toMatchObject({ title: "c" });
    expect(results[1]?.task).toMatchObject({ status: "completed", version: 2 });
    expect(results[2]).toEqual({ op: "delete", id: b.id, task: null });
    expect(await countTasks(tenant.id)).toBe(2);
  });

  it("accepts 100 operations and refuses 101", async () => {
    const tenant = await createTenant(generousQuota);
    const ops = (n: number) => ({ operations: Array.from({ length: n }, (_, i) => ({ op: "create", data: { title: `t${i}` } })) });
    expect((await call("POST", "/v1/tasks/batch", { token: tenant.apiKey, body: ops(101) })).status).toBe(400);
    expect(await countTasks(tenant.id)).toBe(0);
    expect((await call("POST", "/v1/tasks/batch", { token: tenant.apiKey, body: ops(100) })).status).toBe(200);
    expect(await countTasks(tenant.id)).toBe(100);
  });

  it("one invalid operation: 400 naming it, and nothing written", async () => {
    const tenant = await createTenant(generousQuota);
    const existing = await createTask(tenant, { title: "keep" });
    const cases = [
      [{ op: "create", data: { title: "ok" } }, { op: "create", data: { title: "" } }],
      [{ op: "create", data: { title: "ok" } }, { op: "update", id: crypto.randomUUID(), data: { title: "x" } }],
      [{ op: "update", id: existing.id, data: { title: "changed" } }, { op: "create", data: { title: "x", assigneeId: crypto.randomUUID() } }],
      [{ op: "update", id: existing.id, data: { title: "changed" } }, { op: "delete", id: existing.id }],
      [{ op: "create", data: { title: "ok" } }, { op: "explode" }],
    ];
    for (const operations of cases) {
      const res = await call("POST", "/v1/tasks/batch", { token: tenant.apiKey, body: { operations } });
      expect(res.status).toBe(400);
      const problem = await json<{ errors: { path: string }[] }>(res);
      expect(problem.errors.some((e) => e.path.startsWith("body.operations.1") || e.path.startsWith("body.operations.0"))).toBe(true);
    }
    expect(await countTasks(tenant.id)).toBe(1);
    expect(await json(await call("GET", `/v1/tasks/${existing.id}`, { token: tenant.apiKey }))).toMatchObject({ title: "keep", version: 1 });
  });

  it("a stale version: 409 and nothing written", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    const res = await call("POST", "/v1/tasks/batch", {
      token: tenant.apiKey,
      body: { operations: [{ op: "create", data: { title: "new" } }, { op: "update", id: task.id, version: 7, data: { title: "x" } }] },
    });
    expect(res.status).toBe(409);
    expect(await countTasks(tenant.id)).toBe(1);
  });

  it("a task changed between the batch's read and its write: the guard rolls everything back", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "original" });
    const db = createDb(env.DB);
    // Interpose a concurrent writer right before the batch's transaction runs.
    const realBatch = db.batch.bind(db);
    db.batch = (async (statements: Parameters<typeof realBatch>[0]) => {
      await env.DB.prepare("UPDATE tasks SET title = 'concurrent', version = version + 1 WHERE id = ?").bind(task.id).run();
      return realBatch(statements);
    }) as unknown as typeof db.batch;

    const attempt = applyTaskBatch(db, tenant.id, [{ op: "create", data: { title: "phantom" } }, { op: "update", id: task.id, data: { title: "mine" } }], Date.now());
    await expect(attempt).rejects.toSatisfy((err) => err instanceof ApiError && err.status === 409);
    expect(await countTasks(tenant.id)).toBe(1);
    expect(await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey }))).toMatchObject({ title: "concurrent", version: 2 });
    const guardRows = await env.DB.prepare("SELECT count(*) AS n FROM batch_guard").first<{ n: number }>();
    expect(guardRows?.n).toBe(0);
  });
});
