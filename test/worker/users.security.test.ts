import { describe, expect, it } from "vitest";
import { call, createTenant, createUser, generousQuota, json } from "./helpers";

describe("users: tenant isolation", () => {
  it("another tenant's user is a 404 for read, update, delete and never listed", async () => {
    const owner = await createTenant(generousQuota);
    const stranger = await createTenant(generousQuota);
    const user = await createUser(owner, "private@example.com");
    expect((await call("GET", `/v1/users/${user.id}`, { token: stranger.apiKey })).status).toBe(404);
    expect((await call("PATCH", `/v1/users/${user.id}`, { token: stranger.apiKey, body: { name: "x" } })).status).toBe(404);
    expect((await call("DELETE", `/v1/users/${user.id}`, { token: stranger.apiKey })).status).toBe(404);
    expect((await json<{ data: unknown[] }>(await call("GET", "/v1/users", { token: stranger.apiKey }))).data).toEqual([]);
    expect(await json(await call("GET", `/v1/users/${user.id}`, { token: owner.apiKey }))).toMatchObject({ name: "User" });
  });
});
