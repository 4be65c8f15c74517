import { describe, expect, it } from "vitest";
import { call, createTask, createTenant, generousQuota, json } from "./helpers";

/**
 * OWASP API4 (unrestricted resource consumption): every size a client chooses has a bound.
 * Bounds proved elsewhere: body 1 MiB (tasks.error.test.ts, "413 for a body over 1 MiB"),
 * batch 100 operations (batch.test.ts, "accepts 100 operations and refuses 101"), title and
 * description lengths (tasks.error.test.ts), per-tenant budgets (admission-http.test.ts).
 */

interface Problem {
  errors?: { path: string; message: string }[];
}

const HUGE = "9".repeat(64 * 1024);

describe("client-chosen sizes are bounded", () => {
  it("a page holds at most 100 tasks or users: limit=101 is a 400", async () => {
    const tenant = await createTenant(generousQuota);
    for (const resource of ["tasks", "users"]) {
      expect((await call("GET", `/v1/${resource}?limit=100`, { token: tenant.apiKey })).status, resource).toBe(200);
      const res = await call("GET", `/v1/${resource}?limit=101`, { token: tenant.apiKey });
      expect(res.status, resource).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.path)).toContain("query.limit");
    }
  });

  it("a search text q is at most 200 characters: 201 is a 400", async () => {
    const tenant = await createTenant(generousQuota);
    await createTask(tenant, { title: "alpha" });
    expect((await call("GET", `/v1/tasks?q=${"a".repeat(200)}`, { token: tenant.apiKey })).status).toBe(200);
    const res = await call("GET", `/v1/tasks?q=${"a".repeat(201)}`, { token: tenant.apiKey });
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.path)).toContain("query.q");
  });

  it("a cursor, an id and an assignee filter are bounded too", async () => {
    const tenant = await createTenant(generousQuota);
    for (const query of [`cursor=${"c".repeat(513)}`, `assigneeId=${"u".repeat(65)}`]) {
      expect((await call("GET", `/v1/tasks?${query}`, { token: tenant.apiKey })).status, query.slice(0, 20)).toBe(400);
    }
    expect((await call("GET", `/v1/tasks/${"t".repeat(65)}`, { token: tenant.apiKey })).status).toBe(400);
  });

  it.each([
    ["X-Priority", { "x-priority": HUGE }, 200],
    ["Priority", { priority: `u=${HUGE}` }, 200],
    ["X-Request-Timeout-Ms", { "x-request-timeout-ms": HUGE }, 400],
    ["If-Match", { "if-match": `"${HUGE}"` }, 412],
  ] as const)("a 64 KiB %s header is answered as a client mistake or ignored, never a 5xx", async (_, headers, status) => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    const method = "if-match" in headers ? "PATCH" : "GET";
    const res = await call(method, `/v1/tasks/${task.id}`, { token: tenant.apiKey, headers, ...(method === "PATCH" ? { body: { title: "x" } } : {}) });
    expect(res.status).toBe(status);
  });

  it("a 64 KiB Idempotency-Key on a write never causes a 5xx", async () => {
    const tenant = await createTenant(generousQuota);
    const res = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "x" }, headers: { "idempotency-key": "k".repeat(64 * 1024) } });
    expect(res.status).toBeLessThan(500);
  });

  it("a 64 KiB bearer token is refused as malformed", async () => {
    expect((await call("GET", "/v1/tasks", { token: `tfk_${HUGE}` })).status).toBe(401);
    expect((await call("GET", "/admin/alerts", { token: HUGE })).status).toBe(401);
  });
});
