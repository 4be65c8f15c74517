import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenant, json } from "./helpers";

describe("admin: tenants, quotas, keys", () => {
  it("requires the admin token, compared exactly", async () => {
    for (const token of [undefined, "wrong", `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const res = await call("POST", "/admin/tenants", { token, body: { name: "x" } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("a tenant's valid API key on an operator route is 403 (a credential, not this one's); a revoked or unknown one 401", async () => {
    const tenant = await createTenant();
    for (const path of [`/admin/tenants/${tenant.id}`, "/admin/alerts", "/admin/governor", "/metrics"]) {
      const res = await call("GET", path, { token: tenant.apiKey });
      expect(res.status, path).toBe(403);
      expect(res.headers.get("content-type"), path).toContain("application/problem+json");
      expect((await json<{ status: number; detail: string }>(res)).detail, path).toContain("ADMIN_TOKEN");
    }
    const issued = await json<{ id: string; apiKey: string }>(await call("POST", `/admin/tenants/${tenant.id}/keys`, { token: ADMIN_TOKEN }));
    expect((await call("GET", "/admin/alerts", { token: issued.apiKey })).status).toBe(403);
    expect((await call("DELETE", `/admin/tenants/${tenant.id}/keys/${issued.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await call("GET", "/admin/alerts", { token: issued.apiKey })).status).toBe(401);
    // Well formed, never issued.
    expect((await call("GET", "/admin/alerts", { token: `tfk_${"A".repeat(8)}_${"B".repeat(32)}` })).status).toBe(401);
  });

  it("creates a tenant with a key shown once and stored only as a hash", async () => {
    const res = await call("POST", "/admin/tenants", { token: ADMIN_TOKEN, body: { name: "Acme", quota: { maxConcurrency: 10 } } });
    expect(res.status).toBe(201);
    const tenant = await json<{ id: string; apiKey: string; quota: { maxConcurrency: number; rateLimit: { requests: number } } }>(res);
    expect(tenant.apiKey).toMatch(/^tfk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(tenant.quota.maxConcurrency).toBe(10);
    expect(tenant.quota.rateLimit.requests).toBe(100);
    const stored = await env.DB.prepare("SELECT prefix, hash FROM api_keys WHERE tenant_id = ?").bind(tenant.id).all<{ prefix: string; hash: string }>();
    expect(stored.results).toHaveLength(1);
    expect(stored.results[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.results)).not.toContain(tenant.apiKey);
    expect(tenant.apiKey.startsWith(stored.results[0]?.prefix ?? "?")).toBe(true);

    const read = await json<{ name: string; apiKey?: string }>(await call("GET", `/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN }));
    expect(read.name).toBe("Acme");
    expect(read.apiKey).toBeUndefined();
  });

  it("validates and replaces the quota", async () => {
    const tenant = await createTenant();
    const bad = [
      { maxConcurrency: 0 },
      { rateLimit: { requests: -1 } },
      { maxPriority: "urgent" },
      { minConcurrency: 50, maxConcurrency: 10 },
      { routeCosts: { "GET /v1/tasks": 1000 } },
      { routeCosts: { "/v1/tasks": 2 } },
      // Looks like a route key, but no route has it (a typo would otherwise cost nothing).
      { routeCosts: { "GET /v1/task/stats": 2 } },
      { routeCosts: { "GET /v1/tasks/{id}": 2 } },
      { unknown: true },
    ];
    for (const quota of bad) {
      const res = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: quota });
      expect(res.status, JSON.stringify(quota)).toBe(400);
    }
    const ok = await call("PUT", `/admin/tenants/${tenant.id}/quota`, {
      token: ADMIN_TOKEN,
      body: { rateLimit: { requests: 10, windowMs: 1000, burst: 20 }, maxPriority: "high", routeCosts: { "GET /v1/tasks": 2 } },
    });
    expect(ok.status).toBe(200);
    const quota = await json<{ routeCosts: Record<string, number> }>(await call("GET", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN }));
    expect(quota).toMatchObject({ rateLimit: { requests: 10, windowMs: 1000, burst: 20 }, maxPriority: "high", routeCosts: { "GET /v1/tasks": 2 } });
    // The effective routeCosts also name what the routes declare beyond the default 1 (stats and batch cost 5), and no route costing 1.
    expect(quota.routeCosts).toEqual({ "GET /v1/tasks": 2, "GET /v1/tasks/stats": 5, "POST /v1/tasks/batch": 5 });
    const overridden = await json<{ quota: { routeCosts: Record<string, number> }; quotaOverrides: { routeCosts?: Record<string, number> } }>(
      await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { routeCosts: { "GET /v1/tasks/stats": 1 } } }),
    );
    expect(overridden.quota.routeCosts).toEqual({ "GET /v1/tasks/stats": 1, "POST /v1/tasks/batch": 5 });
    expect(overridden.quotaOverrides.routeCosts).toEqual({ "GET /v1/tasks/stats": 1 });
    const typo = await json<{ errors: { path: string; message: string }[] }>(
      await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { routeCosts: { "GET /v1/task/stats": 2 } } }),
    );
    expect(typo.errors[0]?.message).toContain("GET /v1/tasks/stats");
    expect((await call("PUT", `/admin/tenants/${crypto.randomUUID()}/quota`, { token: ADMIN_TOKEN, body: {} })).status).toBe(404);
  });

  it("issues, lists and revokes keys; revocation is idempotent", async () => {
    const tenant = await createTenant();
    const issued = await call("POST", `/admin/tenants/${tenant.id}/keys`, { token: ADMIN_TOKEN });
    expect(issued.status).toBe(201);
    const second = await json<{ id: string; apiKey: string }>(issued);
    expect((await call("GET", "/v1/tasks", { token: second.apiKey })).status).toBe(200);

    const listed = await json<{ data: { id: string; prefix: string; revokedAt: string | null; apiKey?: string }[] }>(
      await call("GET", `/admin/tenants/${tenant.id}/keys`, { token: ADMIN_TOKEN }),
    );
    expect(listed.data.map((k) => k.id).sort()).toEqual([tenant.apiKeyId, second.id].sort());
    expect(listed.data.every((k) => k.apiKey === undefined)).toBe(true);

    expect((await call("DELETE", `/admin/tenants/${tenant.id}/keys/${second.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await call("DELETE", `/admin/tenants/${tenant.id}/keys/${second.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await call("GET", "/v1/tasks", { token: second.apiKey })).status).toBe(401);
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    // Another tenant's key id cannot be revoked through this tenant.
    const other = await createTenant();
    expect((await call("DELETE", `/admin/tenants/${tenant.id}/keys/${other.apiKeyId}`, { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await call("GET", "/v1/tasks", { token: other.apiKey })).status).toBe(200);
  });

  it("404 for unknown tenants", async () => {
    expect((await call("GET", `/admin/tenants/${crypto.randomUUID()}`, { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await call("POST", `/admin/tenants/${crypto.randomUUID()}/keys`, { token: ADMIN_TOKEN })).status).toBe(404);
  });
});
