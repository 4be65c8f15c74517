// The slice of the TaskFlow HTTP contract (DESIGN.md section 2) the scenarios need:
// creating tenants with a quota, seeding tasks through the batch route, and building the
// request-mix entries of the workloads.
import { createClient } from "../lib/http-client.mjs";

/** A quota that never rate-limits the benchmark: rejections must come from overload control. */
export const UNLIMITED_RATE = { requests: 10_000_000, windowMs: 1000, burst: 10_000_000 };

export async function adminRequest(origin, adminToken, method, path, body) {
  const client = createClient({ origin, connections: 1 });
  try {
    const res = await client.send({ method, path, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined, readBody: true, timeoutMs: 30_000 });
    return { status: res.status, json: safeJson(res.body), text: res.body };
  } finally {
    await client.close();
  }
}

/** The Prometheus text of /metrics (the scrape flushes the answering isolate's telemetry first); read it with lib/metric-samples.ts. */
/** The tenant's admission state document (GET /admin/tenants/:id/admission); throws unless 200. */
export async function admissionState(tf, tenantId) {
  const res = await adminRequest(tf.origin, tf.adminToken, "GET", `/admin/tenants/${tenantId}/admission`);
  if (res.status !== 200) throw new Error(`admission state failed: ${res.status}`);
  return res.json;
}

export async function metricsText(tf) {
  const res = await adminRequest(tf.origin, tf.adminToken, "GET", "/metrics");
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text ?? "";
}

/** POST /admin/tenants → {id, name, apiKey, quota}. */
export async function createTenant(origin, adminToken, name, quota) {
  const res = await adminRequest(origin, adminToken, "POST", "/admin/tenants", { name, ...(quota ? { quota } : {}) });
  if (res.status !== 201 || !res.json?.apiKey) throw new Error(`creating tenant ${name} failed: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "metro", "nova", "oscar", "papa"];
const STATUSES = ["pending", "in_progress", "completed"];
const PRIORITIES = ["low", "medium", "high"];

/** Deterministic filler task number n: varied words so text search has real work to do. */
export function seedTask(n) {
  const w = (k) => WORDS[(n * 7 + k * 13) % WORDS.length];
  return {
    title: `seed ${w(1)} ${w(2)} ${n}`,
    description: `${w(3)} ${w(4)} ${w(5)} task number ${n} ${"lorem ipsum dolor sit amet ".repeat(1 + (n % 4))}`,
    status: STATUSES[n % 3],
    priority: PRIORITIES[(n >> 1) % 3],
    dueDate: new Date(Date.UTC(2026, n % 12, 1 + (n % 28))).toISOString(),
  };
}

/**
 * Seed `count` tasks for a tenant through POST /v1/tasks/batch (100 per batch, a few in
 * parallel). A 429/503 is retried after its Retry-After, as a well-behaved client would
 * (seeding is low priority and may be shed; for up to 5 minutes); other failures are retried
 * too, up to `count / 100 * 3` of them.
 */
export async function seedTasks(origin, apiKey, count, { parallel = 4, onProgress } = {}) {
  const client = createClient({ origin, connections: parallel });
  const batches = Math.ceil(count / 100);
  let next = 0, created = 0, failures = 0;
  const started = performance.now();
  const send = (ops) =>
    client.send({ method: "POST", path: "/v1/tasks/batch", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "x-priority": "low" }, body: JSON.stringify({ operations: ops }), readBody: true, timeoutMs: 60_000 });
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const ops = [];
      for (let n = b * 100; n < Math.min(count, (b + 1) * 100); n++) ops.push({ op: "create", data: seedTask(n) });
      for (;;) {
        const res = await send(ops);
        if (res.status === 200 || res.status === 201) break;
        // Refusals (shed while the seeding itself saturates the server) are waited out, for a while.
        const refused = res.status === 429 || res.status === 503;
        if ((!refused && ++failures > batches * 3) || performance.now() - started > 300_000) throw new Error(`seeding failed: ${res.status} ${res.body?.slice(0, 300)}`);
        const retryAfterS = Number(res.headers?.["retry-after"] ?? 1);
        await new Promise((r) => setTimeout(r, 1000 * (Number.isFinite(retryAfterS) ? Math.min(retryAfterS, 5) : 1)));
      }
      created += ops.length;
      onProgress?.(created, count);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await client.close();
  }
  return created;
}

export function safeJson(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export const auth = (apiKey, priority, extra = {}) => ({ authorization: `Bearer ${apiKey}`, ...(priority ? { "x-priority": priority } : {}), ...extra });

/**
 * A POST /v1/tasks mix entry whose every request carries a unique title token, so the
 * integrity check can match each answer with the row it did (or did not) write.
 * @param {{name: string, apiKey: string, priority?: string, weight?: number, group?: string, ledger: import("./ledger.mjs").Ledger, phase: string, headers?: Record<string,string>}} o
 */
export function createTaskEntry({ name, apiKey, priority, weight = 1, group, ledger, phase, headers = {} }) {
  const token = (i) => ledger.token(phase, name, i);
  return {
    name, method: "POST", path: "/v1/tasks", weight, group: group ?? priority, readBody: true,
    headers: auth(apiKey, priority, headers),
    body: (i) => ({ title: token(i), description: "written by the benchmark", priority: "medium" }),
    token,
  };
}
