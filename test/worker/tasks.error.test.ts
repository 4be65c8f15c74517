import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { call, createTask, createTenant, generousQuota, json } from "./helpers";

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

async function expectProblem(res: Response, status: number): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = await json<Problem>(res);
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^\/problems\//), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|SQLITE|D1_ERROR|select |insert /i);
  return body;
}

describe("tasks: errors are problem+json with the right status", () => {
  it("400 lists every offending field", async () => {
    const tenant = await createTenant(generousQuota);
    const res = await call("POST", "/v1/tasks", {
      token: tenant.apiKey,
      body: { title: "", description: "x".repeat(10_001), status: "done", priority: "urgent", dueDate: "tomorrow", extra: 1 },
    });
    const problem = await expectProblem(res, 400);
    const paths = problem.errors?.map((e) => e.path) ?? [];
    for (const field of ["title", "description", "status", "priority", "dueDate"]) expect(paths).toContain(`body.${field}`);
    expect(problem.errors?.some((e) => e.message.includes("extra"))).toBe(true);
  });

  it("400 for a title over 200 characters, an empty patch, and bad list parameters", async () => {
    const tenant = await createTenant(generousQuota);
    await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "t".repeat(201) } }), 400);
    const task = await createTask(tenant);
    await expectProblem(await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: {} }), 400);
    for (const query of ["limit=0", "limit=101", "limit=abc", "status=done", "sort=title", "cursor=not-a-cursor", "q=%21%21%21", "dueAfter=yesterday"]) {
      await expectProblem(await call("GET", `/v1/tasks?${query}`, { token: tenant.apiKey }), 400);
    }
  });

  it("400 for a cursor made for another sort", async () => {
    const tenant = await createTenant(generousQuota);
    await createTask(tenant);
    await createTask(tenant);
    const page = await json<{ nextCursor: string }>(await call("GET", "/v1/tasks?limit=1", { token: tenant.apiKey }));
    await expectProblem(await call("GET", `/v1/tasks?limit=1&sort=dueDate&cursor=${page.nextCursor}`, { token: tenant.apiKey }), 400);
  });

  it("400 for malformed JSON, never a 500", async () => {
    const tenant = await createTenant(generousQuota);
    const problem = await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: '{"title": "unterminated' }), 400);
    expect(problem.type).toBe("/problems/malformed-json");
  });

  it("415 for a body that is not JSON", async () => {
    const tenant = await createTenant(generousQuota);
    await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: "title=x", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415);
    await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: "title", headers: { "content-type": "text/plain" } }), 415);
  });

  it("413 for a body over 1 MiB, by Content-Length and by counting a stream", async () => {
    const tenant = await createTenant(generousQuota);
    const big = JSON.stringify({ title: "x", description: "y".repeat(1024 * 1024) });
    await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: big }), 413);

    // No Content-Length: the limit must be enforced while the stream is read.
    const chunk = new TextEncoder().encode("y".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await exports.default.fetch(
      new Request("https://taskflow.test/v1/tasks", {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
        body: stream,
        // @ts-expect-error: duplex is required for stream bodies but missing from the type.
        duplex: "half",
      }),
    );
    await expectProblem(res, 413);
    expect(sent).toBeLessThan(40);
  });

  it("412 for a stale If-Match on update and delete", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    expect((await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "v2" }, headers: { "if-match": '"1"' } })).status).toBe(200);
    await expectProblem(await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "v3" }, headers: { "if-match": '"1"' } }), 412);
    await expectProblem(await call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "v3" }, headers: { "if-match": "garbage" } }), 412);
    await expectProblem(await call("DELETE", `/v1/tasks/${task.id}`, { token: tenant.apiKey, headers: { "if-match": '"1"' } }), 412);
    const current = await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey }));
    expect(current).toMatchObject({ title: "v2", version: 2 });
  });

  it("400 for an assignee that does not exist", async () => {
    const tenant = await createTenant(generousQuota);
    const problem = await expectProblem(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "x", assigneeId: crypto.randomUUID() } }), 400);
    expect(problem.errors?.[0]?.path).toBe("body.assigneeId");
  });

  it("404 problem for unknown routes and unknown tasks", async () => {
    const tenant = await createTenant(generousQuota);
    await expectProblem(await call("GET", "/nope"), 404);
    await expectProblem(await call("GET", "/v1/nope", { token: tenant.apiKey }), 404);
    await expectProblem(await call("GET", `/v1/tasks/${crypto.randomUUID()}`, { token: tenant.apiKey }), 404);
    await expectProblem(await call("PATCH", `/v1/tasks/${crypto.randomUUID()}`, { token: tenant.apiKey, body: { title: "x" } }), 404);
    await expectProblem(await call("DELETE", `/v1/tasks/${crypto.randomUUID()}`, { token: tenant.apiKey }), 404);
  });

  it("401 without a key, with a malformed key, and with a revoked key", async () => {
    const tenant = await createTenant(generousQuota);
    const missing = await expectProblem(await call("GET", "/v1/tasks"), 401);
    expect(missing.detail).toContain("Bearer");
    await expectProblem(await call("GET", "/v1/tasks", { token: "nope" }), 401);
    await expectProblem(await call("GET", "/v1/tasks", { token: `tfk_AAAAAAAA_${"A".repeat(32)}` }), 401);
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    const revoked = await call("DELETE", `/admin/tenants/${tenant.id}/keys/${tenant.apiKeyId}`, { token: "test-admin-token" });
    expect(revoked.status).toBe(204);
    await expectProblem(await call("GET", "/v1/tasks", { token: tenant.apiKey }), 401);
  });
});
