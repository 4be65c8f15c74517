import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app";
import { CacheRegistry } from "../../worker/cache/isolate-caches";
import { defineTaskReadCaches } from "../../worker/cache/task-read-caches";
import { createDb } from "../../worker/db/client";
import { listTasks, taskStats } from "../../worker/db/tasks-repo";
import { TaskListQuerySchema } from "../../worker/schemas/task";
import { call, createTenant, generousQuota, json, workerWith, type TestTenant } from "./helpers";

/**
 * The version rule of DESIGN.md section 9 through the whole Worker: list pages and stats are
 * cached per isolate and served only while the tenant's data version in D1 is the one they
 * were read at. Two apps with their own caches stand for two isolates over one D1.
 */
type Fetch = ReturnType<typeof workerWith>;

/**
 * Admission off: on a busy machine the controller may report load, and then stats come from
 * the (declared, bounded) degraded snapshot, which is not what these tests are about
 * (degradation.test.ts is). Every answer here is checked to be undegraded.
 */
function isolate(vars: Partial<Env> = {}): Fetch {
  return workerWith({ CACHE_STRATEGY: "adaptive", ADMISSION_CONTROL: "off", ...vars }, createApp({ taskReads: defineTaskReadCaches(new CacheRegistry()) }));
}

const READS = ["/v1/tasks", "/v1/tasks?status=pending,in_progress", "/v1/tasks?sort=dueDate&limit=3", "/v1/tasks?q=report", "/v1/tasks/stats"];

/** What D1 holds now, read without any cache. */
async function truth(tenant: TestTenant, path: string): Promise<unknown> {
  const db = createDb(env.DB);
  const url = new URL(path, "https://x");
  if (url.pathname === "/v1/tasks/stats") return withoutAsOf(await taskStats(db, tenant.id, Date.now()));
  return listTasks(db, tenant.id, TaskListQuerySchema.parse(Object.fromEntries(url.searchParams)));
}

const withoutAsOf = <T extends { asOf?: unknown }>({ asOf: _asOf, ...rest }: T) => rest;

async function read(fetch: Fetch, tenant: TestTenant, path: string): Promise<unknown> {
  const res = await fetch("GET", path, { token: tenant.apiKey });
  expect(res.status, path).toBe(200);
  expect(res.headers.get("x-degraded"), path).toBeNull();
  const body = await json(res);
  return path.endsWith("/stats") ? withoutAsOf(body) : body;
}

async function send(fetch: Fetch, tenant: TestTenant, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await fetch(method, path, { token: tenant.apiKey, body, headers });
  expect(res.status, `${method} ${path}: ${res.status === 500 ? await res.clone().text() : ""}`).toBeLessThan(300);
  return res.status === 204 ? undefined : json<{ id: string; version: number; results?: { id: string }[] }>(res);
}

const dataVersion = async (tenantId: string): Promise<number> =>
  (await env.DB.prepare("SELECT version FROM tenant_data_versions WHERE tenant_id = ?").bind(tenantId).first<number>("version")) ?? 0;

/** Behind the API's back: the data changes, the version does not (no write of ours does this). */
const sneakTitle = (tenant: TestTenant, title: string) => env.DB.prepare("UPDATE tasks SET title = ? WHERE tenant_id = ?").bind(title, tenant.id).run();

describe("cached reads across isolates", { timeout: 60_000 }, () => {
  it("no read after a completed write sees the old data, whichever isolate wrote and whichever reads", async () => {
    const isolates = [isolate(), isolate({ CACHE_STRATEGY: "lru" })];
    const tenant = await createTenant(generousQuota);
    const [a, b] = isolates as [Fetch, Fetch];
    const user = (await send(a, tenant, "POST", "/v1/users", { email: "ann@example.com", name: "Ann" }))!;
    const first = (await send(a, tenant, "POST", "/v1/tasks", { title: "first report", dueDate: "2040-01-01T00:00:00Z" }))!;
    const second = (await send(b, tenant, "POST", "/v1/tasks", { title: "second", status: "in_progress", assigneeId: user.id }))!;

    const writes: [string, (w: Fetch) => Promise<unknown>][] = [
      ["create", (w) => send(w, tenant, "POST", "/v1/tasks", { title: "third report", dueDate: "2039-01-01T00:00:00Z" })],
      ["update status", (w) => send(w, tenant, "PATCH", `/v1/tasks/${first.id}`, { status: "completed" })],
      ["update title under If-Match", (w) => send(w, tenant, "PATCH", `/v1/tasks/${second.id}`, { title: "second report" }, { "if-match": `"${second.version}"` })],
      ["batch", (w) => send(w, tenant, "POST", "/v1/tasks/batch", { operations: [{ op: "create", data: { title: "batched" } }, { op: "update", id: first.id, data: { status: "pending" } }] })],
      ["delete a user (unassigns tasks)", (w) => send(w, tenant, "DELETE", `/v1/users/${user.id}`)],
      ["idempotent create", (w) => send(w, tenant, "POST", "/v1/tasks", { title: "keyed report" }, { "idempotency-key": "k-1" })],
      ["delete", (w) => send(w, tenant, "DELETE", `/v1/tasks/${first.id}`)],
    ];
    for (const [i, [name, write]] of writes.entries()) {
      // Both isolates hold every read, as of now.
      for (const reader of isolates) for (const path of READS) expect(await read(reader, tenant, path), `${path} before ${name}`).toEqual(await truth(tenant, path));
      await write(isolates[i % 2]!);
      for (const reader of isolates) for (const path of READS) expect(await read(reader, tenant, path), `${path} after ${name}`).toEqual(await truth(tenant, path));
    }
  });

  it("an entry is served until the version moves, not until a timer: data changed behind the version stays unseen until the next write", async () => {
    const [a, b] = [isolate(), isolate()];
    const tenant = await createTenant(generousQuota);
    await send(a, tenant, "POST", "/v1/tasks", { title: "original" });
    const title = async (w: Fetch) => ((await read(w, tenant, "/v1/tasks")) as { data: { title: string }[] }).data[0]?.title;
    expect([await title(a), await title(b)]).toEqual(["original", "original"]);
    await sneakTitle(tenant, "changed behind the version");
    // Both isolates answer from their caches: proof that the reads above were cached.
    expect([await title(a), await title(b)]).toEqual(["original", "original"]);
    await send(b, tenant, "POST", "/v1/tasks/batch", { operations: [{ op: "create", data: { title: "bump" } }] });
    const titles = async (w: Fetch) => ((await read(w, tenant, "/v1/tasks?sort=createdAt")) as { data: { title: string }[] }).data.map((t) => t.title);
    expect(await titles(a)).toEqual(["changed behind the version", "bump"]);
    expect(await titles(b)).toEqual(["changed behind the version", "bump"]);
  });

  it("concurrent reads share version reads, and every read sent after a write completed still sees it", async () => {
    const [a, b] = [isolate(), isolate()];
    const tenant = await createTenant(generousQuota);
    await send(a, tenant, "POST", "/v1/tasks", { title: "one" });
    const total = async () => ((await read(a, tenant, "/v1/tasks/stats")) as { total: number }).total;
    expect(await total()).toBe(1);
    const early = Array.from({ length: 10 }, total);
    await send(b, tenant, "POST", "/v1/tasks", { title: "two" });
    const late = Array.from({ length: 10 }, total);
    for (const t of await Promise.all(early)) expect([1, 2]).toContain(t);
    expect(await Promise.all(late)).toEqual(Array(10).fill(2));
  });

  it("concurrent requests, each in its own request context, share version reads and all get answers", async () => {
    // Through the Worker's own entry: every call is a request of its own (workerd runs I/O only
    // in the request that started it, so a read sent for others must be sent by one of them).
    const tenant = await createTenant(generousQuota);
    await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "one" } });
    const page = () => call("GET", "/v1/tasks?limit=5", { token: tenant.apiKey, headers: { "x-priority": "high" } });
    expect((await page()).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 30 }, page));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(200));
    await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "two" } });
    const after = await Promise.all(Array.from({ length: 30 }, page));
    for (const res of after) expect((await json<{ data: unknown[] }>(res)).data).toHaveLength(2);
  });

  it("CACHE_STRATEGY=off bypasses the caches: every read goes to D1", async () => {
    const off = isolate({ CACHE_STRATEGY: "off" });
    const tenant = await createTenant(generousQuota);
    await send(off, tenant, "POST", "/v1/tasks", { title: "original" });
    expect(((await read(off, tenant, "/v1/tasks")) as { data: { title: string }[] }).data[0]?.title).toBe("original");
    await sneakTitle(tenant, "seen at once");
    expect(((await read(off, tenant, "/v1/tasks")) as { data: { title: string }[] }).data[0]?.title).toBe("seen at once");
  });

  it("every write bumps the version by one in its own transaction; refused writes and replays do not", async () => {
    const w = isolate();
    const tenant = await createTenant(generousQuota);
    const expectStep = async (by: number, action: () => Promise<Response>, status: number) => {
      const before = await dataVersion(tenant.id);
      const res = await action();
      expect(res.status).toBe(status);
      expect(await dataVersion(tenant.id)).toBe(before + by);
      return res;
    };
    const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => () => w(method, path, { token: tenant.apiKey, body, headers });
    const task = await json<{ id: string }>(await expectStep(1, call("POST", "/v1/tasks", { title: "t" }), 201));
    await expectStep(1, call("PATCH", `/v1/tasks/${task.id}`, { priority: "high" }), 200);
    await expectStep(0, call("PATCH", `/v1/tasks/${task.id}`, { priority: "low" }, { "if-match": '"1"' }), 412);
    await expectStep(0, call("PATCH", "/v1/tasks/nope", { priority: "low" }), 404);
    await expectStep(1, call("POST", "/v1/tasks/batch", { operations: [{ op: "create", data: { title: "a" } }, { op: "create", data: { title: "b" } }] }), 200);
    await expectStep(0, call("POST", "/v1/tasks/batch", { operations: [{ op: "delete", id: "nope" }] }), 400);
    await expectStep(0, call("POST", "/v1/tasks", { title: "x", assigneeId: "nobody" }), 400);
    const user = await json<{ id: string }>(await expectStep(1, call("POST", "/v1/users", { email: "u@example.com", name: "U" }), 201));
    await expectStep(0, call("POST", "/v1/users", { email: "U@example.com", name: "dup" }), 409);
    await expectStep(1, call("PATCH", `/v1/users/${user.id}`, { name: "V" }), 200);
    await expectStep(1, call("DELETE", `/v1/users/${user.id}`), 204);
    await expectStep(1, call("POST", "/v1/tasks", { title: "keyed" }, { "idempotency-key": "once" }), 201);
    const replay = await expectStep(0, call("POST", "/v1/tasks", { title: "keyed" }, { "idempotency-key": "once" }), 201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    await expectStep(1, call("DELETE", `/v1/tasks/${task.id}`), 204);
    await expectStep(0, call("DELETE", `/v1/tasks/${task.id}`), 404);
    // Reads never bump it.
    await expectStep(0, call("GET", "/v1/tasks"), 200);
    await expectStep(0, call("GET", "/v1/tasks/stats"), 200);
  });

  it("stats stay cached only until a due date passes: overdue grows without a write", async () => {
    const w = isolate();
    const tenant = await createTenant(generousQuota);
    const due = Date.now() + 3000;
    await send(w, tenant, "POST", "/v1/tasks", { title: "soon", dueDate: new Date(due).toISOString() });
    const first = await w("GET", "/v1/tasks/stats", { token: tenant.apiKey });
    expect((await json<{ overdue: number }>(first)).overdue).toBe(0);
    expect((await w("GET", "/v1/tasks/stats", { token: tenant.apiKey, headers: { "if-none-match": first.headers.get("etag")! } })).status).toBe(304);
    await new Promise((resolve) => setTimeout(resolve, due + 100 - Date.now()));
    const later = await w("GET", "/v1/tasks/stats", { token: tenant.apiKey, headers: { "if-none-match": first.headers.get("etag")! } });
    expect(later.status).toBe(200);
    expect((await json<{ overdue: number }>(later)).overdue).toBe(1);
    expect(later.headers.get("etag")).not.toBe(first.headers.get("etag"));
  });
});

describe("ETag and If-None-Match on lists and stats", { timeout: 30_000 }, () => {
  for (const strategy of ["adaptive", "off"] as const) {
    it(`CACHE_STRATEGY=${strategy}: 304 with the ETag and no body while nothing changed; 200 with a new ETag after a write`, async () => {
      const w = isolate({ CACHE_STRATEGY: strategy });
      const tenant = await createTenant(generousQuota);
      await send(w, tenant, "POST", "/v1/tasks", { title: "one" });
      for (const path of ["/v1/tasks?limit=5", "/v1/tasks/stats"]) {
        const first = await w("GET", path, { token: tenant.apiKey });
        const etag = first.headers.get("etag");
        expect(etag, path).toMatch(/^(W\/)?"[^"]+"$/);
        for (const sent of [etag!, `"other", ${etag}`, etag!.startsWith("W/") ? etag!.slice(2) : `W/${etag}`, "*"]) {
          const again = await w("GET", path, { token: tenant.apiKey, headers: { "if-none-match": sent } });
          expect(again.status, `${path} with ${sent}`).toBe(304);
          expect(again.headers.get("etag")).toBe(etag);
          expect(await again.text()).toBe("");
        }
        expect((await w("GET", path, { token: tenant.apiKey, headers: { "if-none-match": '"something else"' } })).status).toBe(200);
        await send(w, tenant, "POST", "/v1/tasks", { title: "another" });
        const after = await w("GET", path, { token: tenant.apiKey, headers: { "if-none-match": etag! } });
        expect(after.status, `${path} x-degraded: ${after.headers.get("x-degraded")}`).toBe(200);
        expect(after.headers.get("etag")).not.toBe(etag);
      }
    });
  }

  it("a list's ETag names its query and its tenant: another query or another tenant at the same version has another tag", async () => {
    const w = isolate();
    const [t1, t2] = [await createTenant(generousQuota), await createTenant(generousQuota)];
    for (const t of [t1, t2]) await send(w, t, "POST", "/v1/tasks", { title: "same" });
    const tag = async (t: TestTenant, path: string) => (await w("GET", path, { token: t.apiKey })).headers.get("etag");
    expect(await tag(t1, "/v1/tasks?status=pending,completed")).toBe(await tag(t1, "/v1/tasks?status=completed,pending"));
    expect(await tag(t1, "/v1/tasks?limit=5")).not.toBe(await tag(t1, "/v1/tasks?limit=6"));
    expect(await tag(t1, "/v1/tasks")).not.toBe(await tag(t2, "/v1/tasks"));
    expect(await tag(t1, "/v1/tasks/stats")).not.toBe(await tag(t2, "/v1/tasks/stats"));
  });

  it("the user list has an ETag too: a 304 while nothing was written, a new tag after any write", async () => {
    const w = isolate();
    const tenant = await createTenant(generousQuota);
    await send(w, tenant, "POST", "/v1/users", { email: "a@example.com", name: "A" });
    const first = await w("GET", "/v1/users?limit=10", { token: tenant.apiKey });
    const etag = first.headers.get("etag");
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^"l\d+-/);
    const unchanged = await w("GET", "/v1/users?limit=10", { token: tenant.apiKey, headers: { "if-none-match": etag! } });
    expect([unchanged.status, unchanged.headers.get("etag"), await unchanged.text()]).toEqual([304, etag, ""]);
    expect((await w("GET", "/v1/users?limit=9", { token: tenant.apiKey })).headers.get("etag")).not.toBe(etag);
    // Any write moves the version: a task's counts as much as a user's (one version per tenant).
    await send(w, tenant, "POST", "/v1/tasks", { title: "t" });
    const after = await w("GET", "/v1/users?limit=10", { token: tenant.apiKey, headers: { "if-none-match": etag! } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect((await json<{ data: { email: string }[] }>(after)).data.map((u) => u.email)).toEqual(["a@example.com"]);
  });

  it("a bad cursor is still a 400 under If-None-Match: *", async () => {
    const w = isolate();
    const tenant = await createTenant(generousQuota);
    const res = await w("GET", "/v1/tasks?cursor=not-a-cursor", { token: tenant.apiKey, headers: { "if-none-match": "*" } });
    expect(res.status).toBe(400);
  });
});
