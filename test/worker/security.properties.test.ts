import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTask, createTenant, createUser, generousQuota, json, type TestTenant } from "./helpers";

/**
 * OWASP API3 (broken object property level authorization): a client can set only the fields
 * it owns, and an answer never carries a field the client should not see.
 */

/** Fields the server owns: the schemas are strict, so naming one is a 400, never a silent write. */
const SERVER_OWNED = { id: "mine", tenantId: "someone-else", version: 99, createdAt: "2000-01-01T00:00:00Z", updatedAt: "2000-01-01T00:00:00Z" };

interface Problem {
  errors?: { path: string; message: string }[];
}

async function expectRefusedNaming(res: Response, field: string, what: string): Promise<void> {
  expect(res.status, what).toBe(400);
  const problem = await json<Problem>(res);
  expect(problem.errors?.some((e) => e.message.includes(field)), `${what}: ${JSON.stringify(problem.errors)}`).toBe(true);
}

async function taskCount(tenant: TestTenant): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM tasks WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>())?.n ?? -1;
}

async function userCount(tenant: TestTenant): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(tenant.id).first<{ n: number }>())?.n ?? -1;
}

describe("mass assignment", () => {
  it.each(Object.entries(SERVER_OWNED))("%s in a task create, update or batch operation is a 400, and nothing is written", async (field, value) => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "original" });
    const key = tenant.apiKey;

    await expectRefusedNaming(await call("POST", "/v1/tasks", { token: key, body: { title: "t", [field]: value } }), field, "create");
    await expectRefusedNaming(await call("PATCH", `/v1/tasks/${task.id}`, { token: key, body: { title: "changed", [field]: value } }), field, "update");
    const batches = [
      [{ op: "create", data: { title: "t", [field]: value } }],
      [{ op: "update", id: task.id, data: { title: "changed", [field]: value } }],
      [{ op: "create", data: { title: "t" }, [field === "id" || field === "version" ? "tenantId" : field]: value }],
    ];
    for (const operations of batches) {
      const res = await call("POST", "/v1/tasks/batch", { token: key, body: { operations } });
      expect(res.status, JSON.stringify(operations)).toBe(400);
    }

    expect(await taskCount(tenant)).toBe(1);
    expect(await json(await call("GET", `/v1/tasks/${task.id}`, { token: key }))).toMatchObject({ id: task.id, title: "original", version: 1, createdAt: task.createdAt });
  });

  it.each(Object.entries(SERVER_OWNED))("%s in a user create or update is a 400, and nothing is written", async (field, value) => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant, "owner@example.com");
    await expectRefusedNaming(await call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "new@example.com", name: "N", [field]: value } }), field, "create");
    await expectRefusedNaming(await call("PATCH", `/v1/users/${user.id}`, { token: tenant.apiKey, body: { name: "changed", [field]: value } }), field, "update");
    expect(await userCount(tenant)).toBe(1);
    expect(await json(await call("GET", `/v1/users/${user.id}`, { token: tenant.apiKey }))).toMatchObject({ id: user.id, name: "User" });
  });

  it("an operator cannot choose a tenant's id, key or creation time either", async () => {
    for (const [field, value] of [["id", "chosen"], ["apiKey", `tfk_AAAAAAAA_${"A".repeat(32)}`], ["apiKeyId", "k"], ["createdAt", "2000-01-01T00:00:00Z"]] as const) {
      await expectRefusedNaming(await call("POST", "/admin/tenants", { token: ADMIN_TOKEN, body: { name: "x", [field]: value } }), field, `tenant ${field}`);
    }
  });
});

/** Every property name anywhere in a JSON value. */
function propertyNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(propertyNames);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...propertyNames(v)]);
  return [];
}

const HIDDEN_PROPERTIES = /^(tenant_?id|hash|key_?hash|api_?key_?hash|secret)$/i;

describe("no field leaks", () => {
  it("tenant answers never carry the tenant's id, a tenant field or a key hash", async () => {
    const tenant = await createTenant(generousQuota);
    const key = tenant.apiKey;
    const user = await createUser(tenant);
    const task = await createTask(tenant, { assigneeId: user.id, dueDate: "2000-01-01T00:00:00Z" });
    const hashes = (await env.DB.prepare("SELECT hash FROM api_keys WHERE tenant_id = ?").bind(tenant.id).all<{ hash: string }>()).results.map((r) => r.hash);
    expect(hashes.length).toBeGreaterThan(0);

    const answers = [
      await call("GET", "/v1/tasks", { token: key }),
      await call("GET", "/v1/tasks?q=task", { token: key }),
      await call("GET", `/v1/tasks/${task.id}`, { token: key }),
      await call("PATCH", `/v1/tasks/${task.id}`, { token: key, body: { title: "renamed" } }),
      await call("POST", "/v1/tasks", { token: key, body: { title: "another" } }),
      await call("POST", "/v1/tasks/batch", { token: key, body: { operations: [{ op: "create", data: { title: "b" } }, { op: "update", id: task.id, data: { status: "completed" } }] } }),
      await call("GET", "/v1/tasks/stats", { token: key }),
      await call("GET", "/v1/users", { token: key }),
      await call("GET", `/v1/users/${user.id}`, { token: key }),
      await call("PATCH", `/v1/users/${user.id}`, { token: key, body: { name: "Renamed" } }),
      // Errors too: a conflict and a missing id.
      await call("POST", "/v1/users", { token: key, body: { email: user.email, name: "Dup" } }),
      await call("GET", `/v1/tasks/${crypto.randomUUID()}`, { token: key }),
    ];
    for (const res of answers) {
      const text = await res.text();
      const where = `${res.status} ${text.slice(0, 120)}`;
      expect(res.status, where).toBeLessThan(500);
      expect(text, where).not.toContain(tenant.id);
      for (const hash of hashes) expect(text, where).not.toContain(hash);
      expect(propertyNames(JSON.parse(text)).filter((name) => HIDDEN_PROPERTIES.test(name)), where).toEqual([]);
    }
  });

  it("operator answers never carry a key hash; a key is shown once, when issued", async () => {
    const created = await call("POST", "/admin/tenants", { token: ADMIN_TOKEN, body: { name: "Hashless" } });
    const tenant = await json<TestTenant>(created.clone());
    const issued = await call("POST", `/admin/tenants/${tenant.id}/keys`, { token: ADMIN_TOKEN });
    const reads = [
      await call("GET", `/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN }),
      await call("GET", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN }),
      await call("GET", `/admin/tenants/${tenant.id}/keys`, { token: ADMIN_TOKEN }),
      await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { maxConcurrency: 5 } }),
      await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }),
    ];
    const hashes = (await env.DB.prepare("SELECT hash FROM api_keys WHERE tenant_id = ?").bind(tenant.id).all<{ hash: string }>()).results.map((r) => r.hash);
    expect(hashes).toHaveLength(2);
    const issuedText = await issued.text();
    for (const hash of hashes) expect(issuedText).not.toContain(hash);
    expect(propertyNames(JSON.parse(issuedText)).filter((name) => /hash/i.test(name))).toEqual([]);
    const issuedKey = (JSON.parse(issuedText) as { apiKey: string }).apiKey;
    expect(issuedKey).toMatch(/^tfk_/);
    for (const res of [created, ...reads]) {
      const text = await res.text();
      const where = `${res.status} ${text.slice(0, 120)}`;
      expect(res.status, where).toBeLessThan(300);
      for (const hash of hashes) expect(text, where).not.toContain(hash);
      expect(propertyNames(JSON.parse(text)).filter((name) => /hash/i.test(name)), where).toEqual([]);
      expect(text, where).not.toContain(issuedKey);
    }
  });
});
