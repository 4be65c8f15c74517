import { exports } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import committed from "../../openapi/openapi.json";
import type { paths } from "../../openapi/schema";
import { ADMIN_TOKEN } from "./helpers";

// README's walk-through, as a client generated from the committed document would run it:
// openapi-typescript's types for the paths, openapi-fetch sending through the whole Worker.
const client = (token: string) =>
  createClient<paths>({ baseUrl: "https://taskflow.test", fetch: (request) => exports.default.fetch(request), headers: { authorization: `Bearer ${token}` } });

describe("a client generated from openapi/openapi.json", () => {
  it("is generated from exactly the document the Worker serves", async () => {
    const served = await exports.default.fetch(new Request("https://taskflow.test/openapi.json"));
    expect(await served.json()).toEqual(committed);
  });

  it("runs the README walk-through: tenant, user, tasks, list, If-Match, stats, batch, quota", async () => {
    const admin = client(ADMIN_TOKEN);
    const tenant = await admin.POST("/admin/tenants", {
      body: { name: "walk-through", quota: { rateLimit: { requests: 600, windowMs: 60_000, burst: 600 } } },
    });
    expect(tenant.response.status).toBe(201);
    if (!tenant.data) throw new Error("no tenant");
    const api = client(tenant.data.apiKey);

    const user = await api.POST("/v1/users", { body: { email: "ada@example.com", name: "Ada" } });
    expect(user.response.status).toBe(201);
    if (!user.data) throw new Error("no user");

    const created = await api.POST("/v1/tasks", {
      body: { title: "Ship the report", priority: "high", dueDate: "2026-12-01T17:00:00Z", assigneeId: user.data.id },
      params: { header: { "X-Priority": "critical" } },
    });
    expect(created.response.status).toBe(201);
    if (!created.data) throw new Error("no task");
    const task = created.data;
    expect(created.response.headers.get("etag")).toBe(`"${task.version}"`);

    const found = await api.GET("/v1/tasks", { params: { query: { priority: "high", q: "report" } } });
    expect(found.data?.data.map((t) => t.id)).toEqual([task.id]);

    const patched = await api.PATCH("/v1/tasks/{id}", {
      params: { path: { id: task.id }, header: { "if-match": `"${task.version}"`, Priority: "u=2" } },
      body: { status: "in_progress" },
    });
    expect(patched.data).toMatchObject({ status: "in_progress", version: task.version + 1 });
    const stale = await api.PATCH("/v1/tasks/{id}", {
      params: { path: { id: task.id }, header: { "if-match": `"${task.version}"` } },
      body: { status: "completed" },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ status: 412, type: expect.any(String) });

    const stats = await api.GET("/v1/tasks/stats", { params: { header: { "X-Request-Timeout-Ms": 5000 } } });
    expect(stats.data).toMatchObject({ total: 1, byStatus: { in_progress: 1 }, byPriority: { high: 1 } });

    const batch = await api.POST("/v1/tasks/batch", {
      body: { operations: [{ op: "create", data: { title: "Write the summary" } }, { op: "delete", id: task.id }] },
    });
    expect(batch.response.status).toBe(200);
    expect(batch.data?.results).toHaveLength(2);
    const after = await api.GET("/v1/tasks", {});
    expect(after.data?.data.map((t) => t.title)).toEqual(["Write the summary"]);

    const quota = await admin.PUT("/admin/tenants/{id}/quota", {
      params: { path: { id: tenant.data.id } },
      body: { rateLimit: { requests: 5, windowMs: 60_000, burst: 5 } },
    });
    expect(quota.error).toBeUndefined();
    expect(quota.data?.quota.rateLimit.requests).toBe(5);
    for (let i = 0; i < 5; i++) expect((await api.GET("/v1/users", {})).response.status).toBe(200);
    const limited = await api.GET("/v1/users", {});
    expect(limited.response.status).toBe(429);
    expect(limited.response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.response.headers.get("ratelimit-policy")).toBe('"default";q=5;w=60');
  });
});
