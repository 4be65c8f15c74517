import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { AUTH_CACHE_TTL_MS } from "../../worker/middleware/auth";
import { appRoutes, fillPath } from "./app-routes";
import { ADMIN_TOKEN, call, createTask, createTenant, generousQuota, workerWith, type TestTenant } from "./helpers";

/** OWASP API2 (broken authentication) and API5 (broken function-level authorization). */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** D1 with a count of the statements sent to it. */
function countingDb(): { db: D1Database; calls: () => number } {
  let calls = 0;
  const db = new Proxy(env.DB, {
    get: (target, prop) => {
      if (prop === "prepare" || prop === "batch" || prop === "exec") calls++;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, calls: () => calls };
}

async function revokeInD1(tenant: TestTenant): Promise<void> {
  // Straight in the database: what another isolate's revocation looks like from here.
  await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), tenant.apiKeyId).run();
}

const withBody = (method: string) => (method === "POST" || method === "PUT" || method === "PATCH" ? { body: {} } : {});

describe("authentication (API2)", () => {
  it("a key that is not of the issued format is refused before any lookup: no D1 statement", async () => {
    const { db, calls } = countingDb();
    const worker = workerWith({ DB: db });
    for (const key of ["nope", `tfk_AAAAAAAA_${"A".repeat(31)}`, `tfk_AAAAAAAA_${"A".repeat(33)}`, `tfk_AAAAAAA!_${"A".repeat(32)}`, "' OR 1=1 --", `tfk_${"A".repeat(64 * 1024)}`]) {
      expect((await worker("GET", "/v1/tasks", { token: key })).status, key.slice(0, 40)).toBe(401);
    }
    expect((await worker("GET", "/v1/tasks", { headers: { authorization: "Basic dXNlcjpwYXNz" } })).status).toBe(401);
    expect(calls()).toBe(0);
    // A well-formed key under an issued prefix is looked up (the count above could have moved);
    // keys under prefixes no one issued are refused from memory (security.auth-flood.test.ts).
    const tenant = await createTenant(generousQuota);
    expect((await worker("GET", "/v1/tasks", { token: `${tenant.apiKey.slice(0, 13)}${"A".repeat(32)}` })).status).toBe(401);
    expect(calls()).toBeGreaterThan(0);
  });

  it("a key revoked through the API is refused at once on every /v1 route", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    expect((await call("DELETE", `/admin/tenants/${tenant.id}/keys/${tenant.apiKeyId}`, { token: ADMIN_TOKEN })).status).toBe(204);
    const tenantRoutes = appRoutes().filter((r) => r.path.startsWith("/v1/"));
    expect(tenantRoutes.length).toBeGreaterThanOrEqual(10);
    for (const route of tenantRoutes) {
      const res = await call(route.method, fillPath(route.path, { id: task.id }), { token: tenant.apiKey, ...withBody(route.method) });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it(
    `a key revoked by another isolate is refused here within the auth cache TTL (${AUTH_CACHE_TTL_MS} ms), however often it is used meanwhile`,
    async () => {
      const tenant = await createTenant(generousQuota);
      expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
      const cachedAt = Date.now();
      await revokeInD1(tenant);
      // This isolate never heard of the revocation: it answers from its cache, and the hits do
      // not extend the entry's life.
      for (const at of [2_000, 4_000, 6_000, 8_000]) {
        await sleep(cachedAt + at - Date.now());
        expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status, `${at} ms after caching`).toBe(200);
      }
      await sleep(cachedAt + AUTH_CACHE_TTL_MS + 200 - Date.now());
      expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(401);
    },
    AUTH_CACHE_TTL_MS + 10_000,
  );
});

describe("function-level authorization (API5)", () => {
  it("a tenant key is refused on every /admin route and on /metrics", async () => {
    const tenant = await createTenant(generousQuota);
    const operatorRoutes = appRoutes().filter((r) => r.path.startsWith("/admin/") || r.path === "/metrics");
    expect(operatorRoutes.length).toBeGreaterThanOrEqual(12);
    for (const route of operatorRoutes) {
      // The tenant's own id, so a hole would show the tenant its own operator data.
      const path = fillPath(route.path, { id: tenant.id, keyId: tenant.apiKeyId });
      const res = await call(route.method, path, { token: tenant.apiKey, ...withBody(route.method) });
      // A valid credential, only not this route's: 403 (DESIGN.md section 2); none at all is 401.
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.headers.get("content-type"), `${route.method} ${route.path}`).toContain("application/problem+json");
      const bare = await call(route.method, path, withBody(route.method));
      expect(bare.status, `${route.method} ${route.path} without a token`).toBe(401);
      expect(bare.headers.get("www-authenticate"), `${route.method} ${route.path}`).toContain("Bearer");
    }
    // Nothing happened to the tenant's key through any of that.
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
  });

  it("the admin token is refused on every /v1 route: it is not a tenant key", async () => {
    const tenantRoutes = appRoutes().filter((r) => r.path.startsWith("/v1/"));
    for (const route of tenantRoutes) {
      const res = await call(route.method, fillPath(route.path, {}), { token: ADMIN_TOKEN, ...withBody(route.method) });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
  });

  it("the admin token is compared exactly: near misses are refused", async () => {
    for (const token of [`${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), ADMIN_TOKEN.toUpperCase(), ` ${ADMIN_TOKEN}x`, "x".repeat(64 * 1024)]) {
      expect((await call("GET", "/admin/alerts", { token })).status, token.slice(0, 40)).toBe(401);
    }
    expect((await call("GET", "/admin/alerts", { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it("the admin token is checked by comparing digests of both sides (constant time, test/unit/secrets-equal.test.ts)", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");
    try {
      expect((await call("GET", "/admin/alerts", { token: "a-wrong-token" })).status).toBe(401);
      const hashed = digest.mock.calls.map(([, data]) => new TextDecoder().decode(data as Uint8Array));
      expect(hashed).toEqual(expect.arrayContaining(["a-wrong-token", ADMIN_TOKEN]));
    } finally {
      digest.mockRestore();
    }
  });
});
