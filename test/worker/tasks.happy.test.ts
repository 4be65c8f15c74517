import { describe, expect, it } from "vitest";
import { call, createTask, createTenant, createUser, generousQuota, json } from "./helpers";

describe("tasks: happy path", () => {
  it("creates, reads, updates and deletes a task", async () => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant);
    const created = await call("POST", "/v1/tasks", {
      token: tenant.apiKey,
      body: { title: "Write the report", description: "Q4", priority: "high", dueDate: "2030-01-01T00:00:00Z", assigneeId: user.id },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("etag")).toBe('"1"');
    const task = await json(created);
    expect(task).toMatchObject({ title: "Write the report", description: "Q4", status: "pending", priority: "high", dueDate: "2030-01-01T00:00:00.000Z", assigneeId: user.id, version: 1 });
    expect(created.headers.get("location")).toBe(`/v1/tasks/${task.id}`);

    const read = await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey });
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual(task);

    const patched = await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { status: "completed" }, headers: { "if-match": '"1"' } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get("etag")).toBe('"2"');
    expect(await json(patched)).toMatchObject({ status: "completed", version: 2, title: "Write the report" });

    const deleted = await call("DELETE", `/v1/tasks/${task.id}`, { token: tenant.apiKey });
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey })).status).toBe(404);
  });

  it("lists with filters and text search", async () => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant);
    await createTask(tenant, { title: "Buy milk", priority: "low" });
    await createTask(tenant, { title: "Quarterly budget review", priority: "high", status: "in_progress", assigneeId: user.id, dueDate: "2030-02-01T00:00:00Z" });
    await createTask(tenant, { title: "Budgeting workshop", description: "bring slides", priority: "medium", dueDate: "2030-03-01T00:00:00Z" });

    const titles = async (query: string) => {
      const res = await call("GET", `/v1/tasks?${query}`, { token: tenant.apiKey });
      expect(res.status).toBe(200);
      return (await json<{ data: { title: string }[] }>(res)).data.map((t) => t.title).sort();
    };
    expect(await titles("priority=high")).toEqual(["Quarterly budget review"]);
    expect(await titles("priority=high,low")).toEqual(["Buy milk", "Quarterly budget review"]);
    expect(await titles("status=in_progress")).toEqual(["Quarterly budget review"]);
    expect(await titles(`assigneeId=${user.id}`)).toEqual(["Quarterly budget review"]);
    expect(await titles("dueAfter=2030-02-15T00:00:00Z")).toEqual(["Budgeting workshop"]);
    expect(await titles("dueBefore=2030-02-15T00:00:00Z")).toEqual(["Quarterly budget review"]);
    expect(await titles("q=budget")).toEqual(["Budgeting workshop", "Quarterly budget review"]);
    expect(await titles("q=slides")).toEqual(["Budgeting workshop"]);
    expect(await titles("q=budget&priority=high")).toEqual(["Quarterly budget review"]);
  });

  it("sorts by due date with tasks without one last when ascending", async () => {
    const tenant = await createTenant(generousQuota);
    await createTask(tenant, { title: "none" });
    await createTask(tenant, { title: "late", dueDate: "2031-01-01T00:00:00Z" });
    await createTask(tenant, { title: "early", dueDate: "2030-01-01T00:00:00Z" });
    const res = await call("GET", "/v1/tasks?sort=dueDate", { token: tenant.apiKey });
    expect((await json<{ data: { title: string }[] }>(res)).data.map((t) => t.title)).toEqual(["none", "early", "late"]);
    const desc = await call("GET", "/v1/tasks?sort=-dueDate", { token: tenant.apiKey });
    expect((await json<{ data: { title: string }[] }>(desc)).data.map((t) => t.title)).toEqual(["late", "early", "none"]);
  });

  it("computes stats in SQL", async () => {
    const tenant = await createTenant(generousQuota);
    await createTask(tenant, { priority: "high", dueDate: "2000-01-01T00:00:00Z" });
    await createTask(tenant, { priority: "high", status: "completed", dueDate: "2000-01-01T00:00:00Z" });
    await createTask(tenant, { priority: "low", status: "in_progress" });
    const res = await call("GET", "/v1/tasks/stats", { token: tenant.apiKey });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      total: 3,
      byStatus: { pending: 1, in_progress: 1, completed: 1 },
      byPriority: { low: 1, medium: 0, high: 2 },
      overdue: 1,
    });
  });
});
