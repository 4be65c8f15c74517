import { describe, expect, it } from "vitest";
import { call, createTask, createTenant, createUser, generousQuota, json } from "./helpers";

describe("users", () => {
  it("CRUD with emails unique per tenant, case-insensitively", async () => {
    const tenant = await createTenant(generousQuota);
    const created = await call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "Ada@Example.com", name: "Ada" } });
    expect(created.status).toBe(201);
    const ada = await json<{ id: string; email: string }>(created);
    expect(ada.email).toBe("ada@example.com");

    const dup = await call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "ADA@example.com", name: "Other" } });
    expect(dup.status).toBe(409);
    expect(dup.headers.get("content-type")).toContain("application/problem+json");

    const bob = await createUser(tenant, "bob@example.com");
    expect((await call("PATCH", `/v1/users/${bob.id}`, { token: tenant.apiKey, body: { email: "ada@example.com" } })).status).toBe(409);
    const renamed = await call("PATCH", `/v1/users/${bob.id}`, { token: tenant.apiKey, body: { name: "Robert" } });
    expect(await json(renamed)).toMatchObject({ name: "Robert", email: "bob@example.com" });

    const list = await json<{ data: { id: string }[] }>(await call("GET", "/v1/users", { token: tenant.apiKey }));
    expect(list.data.map((u) => u.id)).toEqual([ada.id, bob.id]);
    expect((await call("GET", `/v1/users/${ada.id}`, { token: tenant.apiKey })).status).toBe(200);
    expect((await call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "not-an-email", name: "x" } })).status).toBe(400);
  });

  it("the same email may exist in two tenants", async () => {
    const a = await createTenant(generousQuota);
    const b = await createTenant(generousQuota);
    await createUser(a, "same@example.com");
    await createUser(b, "same@example.com");
  });

  it("deleting a user unassigns their tasks in the same transaction", async () => {
    const tenant = await createTenant(generousQuota);
    const user = await createUser(tenant);
    const task = await createTask(tenant, { assigneeId: user.id });
    expect((await call("DELETE", `/v1/users/${user.id}`, { token: tenant.apiKey })).status).toBe(204);
    const after = await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey }));
    expect(after).toMatchObject({ assigneeId: null, version: 2 });
    expect((await call("GET", `/v1/users/${user.id}`, { token: tenant.apiKey })).status).toBe(404);
  });

  it("pages through users with a cursor", async () => {
    const tenant = await createTenant(generousQuota);
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await createUser(tenant)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = await json(
        await call("GET", `/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: tenant.apiKey }),
      );
      seen.push(...page.data.map((u) => u.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});
