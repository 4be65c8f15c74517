import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../worker/db/client";
import { runBatch } from "../../worker/db/commit";
import { isBatchGuardViolation, isIdempotencyClaimLost } from "../../worker/db/constraint-errors";
import { claimKey, deleteExpiredKeys, storeAnswerStatements, type KeyClaim } from "../../worker/db/idempotency-repo";
import { tasks } from "../../worker/db/schema";
import { newTaskRow } from "../../worker/db/tasks-repo";
import { CLAIM_TTL_MS, IDEMPOTENCY_RETENTION_MS } from "../../worker/idempotency/idempotent";
import worker from "../../worker/index";
import { sha256Hex } from "../../worker/lib/crypto";
import { ADMIN_TOKEN, call, createTask, createTenant, generousQuota, json, type TestTenant } from "./helpers";

const db = createDb(env.DB);
const newKey = () => `key-${crypto.randomUUID()}`;
const withKey = (key: string, headers: Record<string, string> = {}) => ({ "idempotency-key": key, ...headers });

const countTasks = async (where: { title?: string; tenantId?: string }) => {
  const [column, value] = where.title !== undefined ? ["title", where.title] : ["tenant_id", where.tenantId];
  return (await env.DB.prepare(`SELECT count(*) AS n FROM tasks WHERE ${column} = ?`).bind(value).first<{ n: number }>())?.n;
};

interface KeyRow {
  response_status: number | null;
  response_body: string | null;
  claim_token: string;
  expires_at: number;
}
const keyRow = (tenant: TestTenant, key: string) =>
  env.DB.prepare("SELECT * FROM idempotency_keys WHERE tenant_id = ? AND key = ?").bind(tenant.id, key).first<KeyRow>();

/** What a client compares between a first answer and its replay. */
async function answerOf(res: Response) {
  return {
    status: res.status,
    body: await res.text(),
    etag: res.headers.get("etag"),
    location: res.headers.get("location"),
    contentType: res.headers.get("content-type"),
    replayed: res.headers.get("idempotent-replayed"),
  };
}

const postTask = (tenant: TestTenant, key: string, body: Record<string, unknown>) => call("POST", "/v1/tasks", { token: tenant.apiKey, body, headers: withKey(key) });

describe("Idempotency-Key on POST /v1/tasks", () => {
  it("50 concurrent identical requests write one task; each answer is the stored 201 or a 409 while it ran; a retry replays it", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    const title = `concurrent ${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => postTask(tenant, key, { title }).then(answerOf)));

    expect(await countTasks({ title })).toBe(1);
    const first = answers.filter((a) => a.status === 201 && a.replayed === null);
    expect(first).toHaveLength(1);
    const stored = first[0]!;
    expect(JSON.parse(stored.body)).toMatchObject({ title, version: 1 });
    for (const answer of answers) {
      if (answer.status === 201) {
        expect({ ...answer, replayed: null }).toEqual(stored);
      } else {
        expect(answer.status).toBe(409);
        expect(JSON.parse(answer.body)).toMatchObject({ type: "/problems/idempotency-key-in-use", status: 409 });
      }
    }

    const retry = await answerOf(await postTask(tenant, key, { title }));
    expect(retry).toEqual({ ...stored, replayed: "true" });
    expect(await countTasks({ title })).toBe(1);
  });

  it("a key held by a running request answers 409 with Retry-After, and its stored answer once that request commits", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    const body = { title: "held" };
    const bodyHash = await sha256Hex(JSON.stringify(body));
    const running: KeyClaim = { tenantId: tenant.id, key, method: "POST", path: "/v1/tasks", bodyHash, claimToken: crypto.randomUUID() };
    expect((await claimKey(db, running, Date.now(), CLAIM_TTL_MS)).claimToken).toBe(running.claimToken);

    const busy = await postTask(tenant, key, body);
    expect(busy.status).toBe(409);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await json(busy)).toMatchObject({ type: "/problems/idempotency-key-in-use" });

    const answer = { status: 201, headers: { "content-type": "application/json", location: "/v1/tasks/t-1" }, body: '{"id":"t-1"}' };
    await runBatch(db, storeAnswerStatements(db, running, answer, Date.now() + IDEMPOTENCY_RETENTION_MS));
    const replay = await postTask(tenant, key, body);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe("/v1/tasks/t-1");
    expect(await replay.text()).toBe('{"id":"t-1"}');
    expect(await countTasks({ tenantId: tenant.id })).toBe(0);
  });

  it("a key reused with another body, path or method is a 422 and writes nothing", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    const created = await postTask(tenant, key, { title: "first" });
    expect(created.status).toBe(201);
    const task = await json<{ id: string }>(created);

    const reuses = [
      postTask(tenant, key, { title: "second" }),
      call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "reuse@example.com", name: "R" }, headers: withKey(key) }),
      call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "first" }, headers: withKey(key) }),
      call("DELETE", `/v1/tasks/${task.id}`, { token: tenant.apiKey, headers: withKey(key) }),
    ];
    for (const res of await Promise.all(reuses)) {
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await json(res)).toMatchObject({ type: "/problems/idempotency-key-reused", status: 422 });
    }
    expect(await countTasks({ tenantId: tenant.id })).toBe(1);
    const users = await json<{ data: unknown[] }>(await call("GET", "/v1/users", { token: tenant.apiKey }));
    expect(users.data).toHaveLength(0);
    expect(await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey }))).toMatchObject({ title: "first", version: 1 });
  });

  it("a key that is not 1-255 visible ASCII characters is a 400 naming the header", async () => {
    const tenant = await createTenant(generousQuota);
    for (const bad of ["", "has space", "tab\tinside", "x".repeat(256)]) {
      const res = await postTask(tenant, bad, { title: "t" });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const problem = await json<{ errors: { path: string }[] }>(res);
      expect(problem.errors.map((e) => e.path)).toContain("header.idempotency-key");
    }
    expect((await postTask(tenant, "x".repeat(255), { title: "t" })).status).toBe(201);
    expect((await postTask(tenant, "!~", { title: "t" })).status).toBe(201);
  });

  it("a request refused by validation or by admission leaves the key unused: its retry is a new write", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 1 } });
    const key = newKey();
    const title = `after refusal ${crypto.randomUUID()}`;
    expect((await postTask(tenant, key, { title: "" })).status).toBe(400);
    // The only token goes to a read; the write is then refused.
    expect((await call("GET", "/v1/tasks", { token: tenant.apiKey })).status).toBe(200);
    const refused = await postTask(tenant, key, { title });
    expect(refused.status).toBe(429);
    expect(await keyRow(tenant, key)).toBeNull();

    const put = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: generousQuota });
    expect(put.status).toBe(200);
    const retry = await postTask(tenant, key, { title });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await countTasks({ title })).toBe(1);
  });

  it("another tenant's identical key is independent", async () => {
    const [a, b] = await Promise.all([createTenant(generousQuota), createTenant(generousQuota)]);
    const key = newKey();
    const first = await postTask(a, key, { title: "mine" });
    const other = await postTask(b, key, { title: "theirs" });
    const same = await postTask(b, key, { title: "theirs" });
    expect([first.status, other.status, same.status]).toEqual([201, 201, 201]);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(same.headers.get("idempotent-replayed")).toBe("true");
    expect(await countTasks({ tenantId: a.id })).toBe(1);
    expect(await countTasks({ tenantId: b.id })).toBe(1);
    expect(await json(other)).toMatchObject({ title: "theirs" });
  });
});

describe("Idempotency-Key on PATCH, DELETE and batch", () => {
  it("PATCH and DELETE replay their first answer and write once", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant, { title: "before" });
    const patchKey = newKey();
    const patch = () => call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "after", status: "in_progress" }, headers: withKey(patchKey, { "if-match": '"1"' }) });

    const first = await answerOf(await patch());
    expect(first).toMatchObject({ status: 200, etag: '"2"', replayed: null });
    // The answer computed before the commit is the row the commit left.
    expect(JSON.parse(first.body)).toEqual(await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey })));
    // If-Match "1" is stale now: only a replay can answer 200.
    expect(await answerOf(await patch())).toEqual({ ...first, replayed: "true" });
    expect(await json(await call("GET", `/v1/tasks/${task.id}`, { token: tenant.apiKey }))).toMatchObject({ title: "after", version: 2 });

    const deleteKey = newKey();
    const remove = () => call("DELETE", `/v1/tasks/${task.id}`, { token: tenant.apiKey, headers: withKey(deleteKey) });
    const deleted = await remove();
    expect(deleted.status).toBe(204);
    const again = await remove();
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await call("DELETE", `/v1/tasks/${task.id}`, { token: tenant.apiKey })).status).toBe(404);
  });

  it("a write that fails with a client error stores nothing: 404 and 412 are answered afresh, and the key still works", async () => {
    const tenant = await createTenant(generousQuota);
    const task = await createTask(tenant);
    const missingKey = newKey();
    expect((await call("DELETE", `/v1/tasks/${crypto.randomUUID()}`, { token: tenant.apiKey, headers: withKey(missingKey) })).status).toBe(404);
    expect(await keyRow(tenant, missingKey)).toBeNull();

    const key = newKey();
    const patch = (ifMatch: string) => call("PATCH", `/v1/tasks/${task.id}`, { token: tenant.apiKey, body: { title: "x" }, headers: withKey(key, { "if-match": ifMatch }) });
    expect((await patch('"7"')).status).toBe(412);
    expect(await keyRow(tenant, key)).toBeNull();
    const applied = await patch('"1"');
    expect(applied.status).toBe(200);
    expect(applied.headers.get("idempotent-replayed")).toBeNull();
    expect(await json(applied)).toMatchObject({ title: "x", version: 2 });
  });

  it("POST /v1/tasks/batch replays its results without applying them again", async () => {
    const tenant = await createTenant(generousQuota);
    const existing = await createTask(tenant, { title: "existing" });
    const key = newKey();
    const body = { operations: [{ op: "create", data: { title: "b1" } }, { op: "create", data: { title: "b2" } }, { op: "update", id: existing.id, data: { title: "renamed" } }] };
    const send = () => call("POST", "/v1/tasks/batch", { token: tenant.apiKey, body, headers: withKey(key) });
    const first = await answerOf(await send());
    expect(first.status).toBe(200);
    const results = JSON.parse(first.body) as { results: { id: string; task: unknown }[] };
    for (const result of results.results) {
      expect(result.task).toEqual(await json(await call("GET", `/v1/tasks/${result.id}`, { token: tenant.apiKey })));
    }
    expect(await answerOf(await send())).toEqual({ ...first, replayed: "true" });
    expect(await countTasks({ tenantId: tenant.id })).toBe(3);
    expect(await json(await call("GET", `/v1/tasks/${existing.id}`, { token: tenant.apiKey }))).toMatchObject({ title: "renamed", version: 2 });
  });

  it("the /v1/users writes replay theirs", async () => {
    const tenant = await createTenant(generousQuota);
    const createKey = newKey();
    const create = () => call("POST", "/v1/users", { token: tenant.apiKey, body: { email: "Once@Example.com", name: "Once" }, headers: withKey(createKey) });
    const created = await answerOf(await create());
    expect(created).toMatchObject({ status: 201, replayed: null, location: expect.stringMatching(/^\/v1\/users\//) });
    // Without the replay this would be a 409: the email is taken.
    expect(await answerOf(await create())).toEqual({ ...created, replayed: "true" });
    const user = JSON.parse(created.body) as { id: string };

    const patchKey = newKey();
    const patch = () => call("PATCH", `/v1/users/${user.id}`, { token: tenant.apiKey, body: { name: "Renamed" }, headers: withKey(patchKey) });
    const patched = await answerOf(await patch());
    expect(JSON.parse(patched.body)).toEqual(await json(await call("GET", `/v1/users/${user.id}`, { token: tenant.apiKey })));
    expect(await answerOf(await patch())).toEqual({ ...patched, replayed: "true" });

    const deleteKey = newKey();
    const remove = () => call("DELETE", `/v1/users/${user.id}`, { token: tenant.apiKey, headers: withKey(deleteKey) });
    expect((await remove()).status).toBe(204);
    const again = await remove();
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([204, "true"]);
    const users = await json<{ data: unknown[] }>(await call("GET", "/v1/users", { token: tenant.apiKey }));
    expect(users.data).toHaveLength(0);
  });
});

describe("the write and its stored answer", () => {
  it("commit together: a write that fails inside its batch leaves no answer, and the key is free again", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    // The assignee's foreign key fails inside the batch that also stores the answer.
    const failed = await postTask(tenant, key, { title: "orphan", assigneeId: crypto.randomUUID() });
    expect(failed.status).toBe(400);
    // A stored answer would have survived the release, which frees only an unanswered claim.
    expect(await keyRow(tenant, key)).toBeNull();
    const retry = await postTask(tenant, key, { title: "assigned later" });
    expect([retry.status, retry.headers.get("idempotent-replayed")]).toEqual([201, null]);
    expect(await countTasks({ tenantId: tenant.id })).toBe(1);
  });

  it("a batch that fails after storing the answer rolls the answer back", async () => {
    const tenant = await createTenant(generousQuota);
    const claim: KeyClaim = { tenantId: tenant.id, key: newKey(), method: "POST", path: "/v1/tasks", bodyHash: "h", claimToken: crypto.randomUUID() };
    await claimKey(db, claim, Date.now(), CLAIM_TTL_MS);
    const answer = { status: 201, headers: {}, body: "{}" };
    const failing = db.run(sql`INSERT INTO batch_guard (changed) VALUES (0)`);
    await expect(runBatch(db, [...storeAnswerStatements(db, claim, answer, Date.now() + IDEMPOTENCY_RETENTION_MS), failing])).rejects.toSatisfy(isBatchGuardViolation);
    expect(await keyRow(tenant, claim.key)).toMatchObject({ response_status: null, claim_token: claim.claimToken });
  });

  it("a request that outlived its claim cannot commit once another request took the key over", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    const body = { title: "taken over" };
    const bodyHash = await sha256Hex(JSON.stringify(body));
    const late: KeyClaim = { tenantId: tenant.id, key, method: "POST", path: "/v1/tasks", bodyHash, claimToken: crypto.randomUUID() };
    // Claimed long enough ago that the claim has lapsed.
    await claimKey(db, late, Date.now() - CLAIM_TTL_MS - 1000, CLAIM_TTL_MS);

    const takeover = await postTask(tenant, key, body);
    expect([takeover.status, takeover.headers.get("idempotent-replayed")]).toEqual([201, null]);
    const stored = await takeover.text();

    const lateWrite = db.insert(tasks).values(newTaskRow(tenant.id, { title: "late" }, Date.now()));
    const attempt = runBatch(db, [...storeAnswerStatements(db, late, { status: 201, headers: {}, body: "{}" }, Date.now() + IDEMPOTENCY_RETENTION_MS), lateWrite]);
    await expect(attempt).rejects.toSatisfy(isIdempotencyClaimLost);
    expect(await countTasks({ tenantId: tenant.id })).toBe(1);
    const replay = await postTask(tenant, key, body);
    expect([replay.status, replay.headers.get("idempotent-replayed"), await replay.text()]).toEqual([201, "true", stored]);
    const guards = await env.DB.prepare("SELECT (SELECT count(*) FROM batch_guard) + (SELECT count(*) FROM idempotency_claim_guard) AS n").first<{ n: number }>();
    expect(guards?.n).toBe(0);
  });
});

describe("retention", () => {
  it("an answer is kept 24 h; past that the key counts as unused", async () => {
    const tenant = await createTenant(generousQuota);
    const key = newKey();
    const before = Date.now();
    expect((await postTask(tenant, key, { title: "day one" })).status).toBe(201);
    const after = Date.now();
    const row = await keyRow(tenant, key);
    expect(row?.response_status).toBe(201);
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + IDEMPOTENCY_RETENTION_MS);
    expect(row?.expires_at).toBeLessThanOrEqual(after + IDEMPOTENCY_RETENTION_MS);

    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE tenant_id = ? AND key = ?").bind(Date.now() - 1, tenant.id, key).run();
    const reused = await postTask(tenant, key, { title: "day two" });
    expect([reused.status, reused.headers.get("idempotent-replayed")]).toEqual([201, null]);
    expect(await countTasks({ tenantId: tenant.id })).toBe(2);
  });

  it("cleanup deletes rows at their expiry, not before; the cron trigger runs it at its scheduled time", async () => {
    const tenant = await createTenant(generousQuota);
    const [kept, expired] = [newKey(), newKey()];
    for (const key of [kept, expired]) expect((await postTask(tenant, key, { title: key })).status).toBe(201);
    // Far in the past, so no other test's row shares these expiry times.
    const expiry = 1_000;
    const age = (key: string, expiresAt: number) =>
      env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE tenant_id = ? AND key = ?").bind(expiresAt, tenant.id, key).run();
    await age(expired, expiry);
    await age(kept, expiry + 1);

    expect(await deleteExpiredKeys(db, expiry - 1)).toBe(0);
    expect(await keyRow(tenant, expired)).not.toBeNull();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: expiry, cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await keyRow(tenant, expired)).toBeNull();
    expect(await keyRow(tenant, kept)).not.toBeNull();
    expect(await deleteExpiredKeys(db, expiry + 1)).toBe(1);
  });

  it("cleanup finds expired rows through the expiry index, not a scan of every tenant's keys", async () => {
    const plan = await env.DB.prepare("EXPLAIN QUERY PLAN SELECT rowid FROM idempotency_keys WHERE expires_at <= ? LIMIT 1000").bind(0).all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/USING (COVERING )?INDEX idempotency_keys_expires_idx/);
  });

  it("cleanup works through more rows than one statement deletes", async () => {
    const tenant = await createTenant(generousQuota);
    const keys = Array.from({ length: 7 }, newKey);
    const insert = env.DB.prepare(
      "INSERT INTO idempotency_keys (tenant_id, key, method, path, body_hash, claim_token, created_at, expires_at) VALUES (?, ?, 'POST', '/v1/tasks', 'h', 't', 0, 500)",
    );
    await env.DB.batch(keys.map((key) => insert.bind(tenant.id, key)));
    expect(await deleteExpiredKeys(db, 500, 3)).toBe(7);
    expect(await deleteExpiredKeys(db, 500, 3)).toBe(0);
  });
});

describe("the OpenAPI document", () => {
  it("declares the header, the replay marker and the 409 and 422 answers on every keyed write", async () => {
    type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: Record<string, unknown> }> };
    const doc = await json<{ paths: Record<string, Record<string, Operation>> }>(await call("GET", "/openapi.json"));
    const writes: [string, string, string][] = [
      ["/v1/tasks", "post", "201"],
      ["/v1/tasks/{id}", "patch", "200"],
      ["/v1/tasks/{id}", "delete", "204"],
      ["/v1/tasks/batch", "post", "200"],
      ["/v1/users", "post", "201"],
      ["/v1/users/{id}", "patch", "200"],
      ["/v1/users/{id}", "delete", "204"],
    ];
    for (const [path, method, success] of writes) {
      const operation = doc.paths[path]?.[method];
      expect(operation?.parameters, `${method} ${path}`).toContainEqual(expect.objectContaining({ name: "idempotency-key", in: "header" }));
      expect(operation?.responses[success]?.headers, `${method} ${path}`).toHaveProperty("Idempotent-Replayed");
      expect(Object.keys(operation?.responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(["409", "422"]));
    }
  });
});
