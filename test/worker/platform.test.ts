import { describe, expect, it } from "vitest";
import { call, createTenant, generousQuota, json } from "./helpers";

describe("health, docs and fault injection", () => {
  it("/healthz and /readyz answer", async () => {
    expect(await json(await call("GET", "/healthz"))).toEqual({ status: "ok" });
    const ready = await call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(await json(ready)).toMatchObject({ status: "ready", checks: { d1: { ok: true } } });
  });

  it("serves an OpenAPI 3.1 document covering every tenant and admin route, and a viewer", async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(await call("GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const route of [
      "GET /v1/tasks",
      "POST /v1/tasks",
      "GET /v1/tasks/{id}",
      "PATCH /v1/tasks/{id}",
      "DELETE /v1/tasks/{id}",
      "GET /v1/tasks/stats",
      "POST /v1/tasks/batch",
      "GET /v1/users",
      "POST /v1/users",
      "POST /admin/tenants",
      "PUT /admin/tenants/{id}/quota",
      "DELETE /admin/tenants/{id}/keys/{keyId}",
    ]) {
      expect(routes).toContain(route);
    }
    const docs = await call("GET", "/docs");
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("/openapi.json");
  });

  it("sets Server-Timing on tenant responses", async () => {
    const tenant = await createTenant(generousQuota);
    const res = await call("GET", "/v1/tasks", { token: tenant.apiKey });
    expect(res.headers.get("server-timing")).toMatch(/^queue;dur=[\d.]+, db;dur=[\d.]+, total;dur=[\d.]+$/);
  });

  it("X-Fault-Abort fails the handler with that status; X-Fault-Delay-Ms delays it", async () => {
    const tenant = await createTenant(generousQuota);
    const aborted = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "never" }, headers: { "x-fault-abort": "503" } });
    expect(aborted.status).toBe(503);
    expect((await json<{ data: unknown[] }>(await call("GET", "/v1/tasks", { token: tenant.apiKey }))).data).toEqual([]);
    const started = Date.now();
    const delayed = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-fault-delay-ms": "120" } });
    expect(delayed.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { "x-fault-delay-ms": "99999" } })).status).toBe(400);
  });
});
