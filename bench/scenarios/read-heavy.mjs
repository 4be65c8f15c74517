// Scenario 11, read-heavy: lists and stats with 5 % writes, the isolate caches on (the shipped
// CACHE_STRATEGY) against CACHE_STRATEGY=off, same run, same data. Every read is checked
// against the writes that completed before it was sent (bench/lib/read-consistency.ts).
import { adminRequest, auth, createTenant, metricsText, safeJson, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { createClient } from "../lib/http-client.mjs";
import { newHistogram, recordMs, summarize } from "../lib/histogram.mjs";
import { staleReads } from "../lib/read-consistency.ts";
import { ratio } from "../lib/stats.ts";
import { pause } from "./util.mjs";

export const id = "read-heavy";
export const title = "11. Read-heavy mix: isolate caches on against off";

const CONCURRENCY = 16;
const WRITE_SHARE = 0.05;
const NEWEST_FIRST = "/v1/tasks?limit=20";
/** Reads by weight: the unfiltered first page (checked for every create), filtered and sorted pages, stats. */
const READS = [
  { path: NEWEST_FIRST, weight: 4, newestFirstPage: 20 },
  { path: "/v1/tasks?status=pending&limit=20", weight: 2 },
  { path: "/v1/tasks?priority=high&sort=dueDate&limit=20", weight: 2 },
  { path: "/v1/tasks?q=alpha&limit=20", weight: 1 },
  { path: "/v1/tasks?sort=-updatedAt&limit=50", weight: 1 },
  { path: "/v1/tasks/stats", weight: 3 },
];
const PHASES = [
  { name: "caches off", vars: { CACHE_STRATEGY: "off" } },
  { name: "caches on", vars: {} },
  { name: "caches on, clients revalidate", vars: {}, revalidate: true },
];

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(false);
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-read-heavy-${ctx.runId}`, { rateLimit: UNLIMITED_RATE });
  const seeded = await seedTasks(tf.origin, tenant.apiKey, ctx.quick ? 1000 : 3000);
  const durationMs = ctx.seconds(20, 6) * 1000;
  const live = [];
  const rows = [];
  const data = { seeded, concurrency: CONCURRENCY, durationMs, phases: [] };
  for (const phase of PHASES) {
    // Admission off in every phase: what is compared is the caches alone.
    await tf.serve(false, phase.vars);
    const before = await cacheCounters(tf);
    const result = await runPhase({ origin: tf.origin, apiKey: tenant.apiKey, durationMs, live, revalidate: Boolean(phase.revalidate), runId: ctx.runId, phase: phase.name });
    const after = await cacheCounters(tf);
    const stale = staleReads(result.writes, result.reads, result.baseTotal);
    const hits = after.hit - before.hit, misses = after.miss - before.miss;
    const summary = {
      name: phase.name, throughput: result.throughput, reads: result.reads.length, writes: result.writes.length, notModified: result.notModified,
      errors: result.errors, stale: stale.length, staleExamples: stale.slice(0, 5), hitRatio: hits / Math.max(1, hits + misses), readLatency: result.readLatency,
    };
    data.phases.push(summary);
    rows.push([phase.name, summary.throughput, summary.reads, summary.writes, summary.notModified, summary.errors, (100 * summary.hitRatio).toFixed(0), summary.readLatency.p50, summary.readLatency.p99, summary.stale]);
    ctx.log(`  ${phase.name}: ${summary.throughput.toFixed(0)} req/s, ${summary.reads} reads (${summary.notModified} 304), ${summary.writes} writes, ${summary.errors} errors, hit ratio ${(100 * summary.hitRatio).toFixed(0)} %, ${summary.stale} stale`);
    for (const s of summary.staleExamples) ctx.log(`    stale: ${s.path} at ${s.startedAt.toFixed(1)}: ${s.why}`);
  }
  const [off, on, revalidating] = data.phases;
  const speedup = ratio(on.throughput, off.throughput);
  const stale = data.phases.reduce((n, p) => n + p.stale, 0);
  return {
    id, title,
    tables: [{
      title: `Closed model, ${CONCURRENCY} clients, ${durationMs / 1000} s per phase; admission off; ${seeded} seeded tasks`,
      headers: ["phase", "req/s", "reads", "writes", "304", "errors", "cache hit %", "read p50 ms", "read p99 ms", "stale reads"],
      rows,
    }],
    targets: [
      { id: "read-heavy.speedup", description: "read-heavy mix (5 % writes): throughput with caches on ÷ off", value: speedup, op: ">=", threshold: 1.5, unit: "×" },
      { id: "read-heavy.stale", description: "read-heavy mix: reads that missed a write completed before they were sent (all phases)", value: stale, op: "<=", threshold: 0, unit: "" },
    ],
    notes: [
      `Reads by weight: ${READS.map((r) => `${r.weight} × ${r.path}`).join(", ")}; writes (${WRITE_SHARE * 100} %): 60 % POST /v1/tasks, 25 % PATCH status, 15 % DELETE of a task the benchmark created.`,
      "Stale check, from client times: stats total within what the writes that had completed (or might have committed) allow; no deleted task and no version below a completed update on any page; every completed create newer than the first page's oldest task on the unfiltered newest-first page.",
      `Clients that revalidate send If-None-Match with the ETag of their last answer for the path and check the body they kept on a 304: ${ratio(revalidating.throughput, off.throughput).toFixed(2)} × off.`,
    ],
    charts: charts(data),
    data,
  };
}

/** One phase: CONCURRENCY closed-loop clients for durationMs; every request timed on the client. */
async function runPhase({ origin, apiKey, durationMs, live, revalidate, runId, phase }) {
  const client = createClient({ origin, connections: CONCURRENCY });
  const headers = auth(apiKey);
  const baseTotal = await currentTotal(client, headers);
  const writes = [], reads = [];
  const readHistogram = newHistogram();
  let errors = 0, notModified = 0, counted = 0, n = 0;
  const readWeights = READS.reduce((s, r) => s + r.weight, 0);
  const t0 = performance.now();
  const countFrom = t0 + 1000, stopAt = t0 + durationMs;

  const send = async (req) => {
    const startedAt = performance.now();
    const res = await client.send({ readBody: true, timeoutMs: 30_000, ...req, headers: { ...headers, ...req.headers } });
    const endedAt = performance.now();
    if (startedAt >= countFrom && endedAt <= stopAt) counted++;
    return { res, startedAt, endedAt };
  };

  const write = async () => {
    const roll = Math.random();
    if (roll < 0.6 || live.length === 0) {
      const { res, startedAt, endedAt } = await send({ method: "POST", path: "/v1/tasks", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: `read-heavy ${runId} ${phase} ${n++}`, priority: "high" }) });
      const task = res.status === 201 ? safeJson(res.body) : undefined;
      writes.push({ kind: "create", id: task?.id ?? `unknown-${n}`, startedAt, endedAt, ok: res.status === 201 ? true : res.status === 0 ? "unknown" : false, createdAt: task ? Date.parse(task.createdAt) : undefined });
      if (task) live.push(task.id);
      else if (res.status !== 0) errors++;
      return;
    }
    const id = live[Math.floor(Math.random() * live.length)];
    if (roll < 0.85) {
      const status = ["pending", "in_progress", "completed"][Math.floor(Math.random() * 3)];
      const { res, startedAt, endedAt } = await send({ method: "PATCH", path: `/v1/tasks/${id}`, headers: { "content-type": "application/json" }, body: JSON.stringify({ status }) });
      const task = res.status === 200 ? safeJson(res.body) : undefined;
      writes.push({ kind: "update", id, startedAt, endedAt, ok: res.status === 200 ? true : res.status === 0 ? "unknown" : false, version: task?.version });
      // 404: deleted meanwhile by another client; 409: lost a race three times. Neither wrote.
      if (![200, 404, 409].includes(res.status)) errors++;
      return;
    }
    live.splice(live.indexOf(id), 1);
    const { res, startedAt, endedAt } = await send({ method: "DELETE", path: `/v1/tasks/${id}` });
    writes.push({ kind: "delete", id, startedAt, endedAt, ok: res.status === 204 ? true : res.status === 0 ? "unknown" : false });
    if (res.status !== 204) errors++;
  };

  const read = async (remembered) => {
    let pick = Math.random() * readWeights;
    const r = READS.find((x) => (pick -= x.weight) < 0) ?? READS[0];
    const kept = revalidate ? remembered.get(r.path) : undefined;
    const { res, startedAt, endedAt } = await send({ method: "GET", path: r.path, headers: kept ? { "if-none-match": kept.etag } : {} });
    if (startedAt >= countFrom && endedAt <= stopAt) recordMs(readHistogram, endedAt - startedAt);
    let body;
    if (res.status === 304 && kept) {
      notModified++;
      body = kept.body;
    } else if (res.status === 200) {
      body = safeJson(res.body);
      if (revalidate && res.headers.etag) remembered.set(r.path, { etag: String(res.headers.etag), body });
    } else {
      errors++;
      return;
    }
    if (r.path.endsWith("/stats")) reads.push({ kind: "stats", path: r.path, startedAt, endedAt, total: body.total });
    else reads.push({ kind: "list", path: r.path, startedAt, endedAt, items: body.data.map((t) => ({ id: t.id, version: t.version, createdAt: t.createdAt })), newestFirstPage: r.newestFirstPage });
  };

  const virtualUser = async () => {
    const remembered = new Map();
    while (performance.now() < stopAt) {
      if (Math.random() < WRITE_SHARE) await write();
      else await read(remembered);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, virtualUser));
  } finally {
    await client.close();
  }
  const seconds = (stopAt - countFrom) / 1000;
  return { baseTotal, writes, reads, errors, notModified, throughput: counted / seconds, readLatency: summarize(readHistogram) };
}

async function currentTotal(client, headers) {
  const res = await client.send({ method: "GET", path: "/v1/tasks/stats", headers, readBody: true, timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`stats before the phase failed: ${res.status}`);
  return safeJson(res.body).total;
}

/** Hits and misses of the two task-read caches so far, from one scrape of /metrics. */
async function cacheCounters(tf) {
  const text = await metricsText(tf);
  const count = (result) => sumMetric(text, "taskflow_cache_requests_total", (l) => (l.cache === "task-pages" || l.cache === "stats") && l.result === result) ?? 0;
  return { hit: count("hit"), miss: count("miss") };
}

/** The scenario's chart panels from its `data`. */
export function charts({ phases }) {
  return [
    { kind: "bar", title: "Read-heavy mix: throughput by phase", yLabel: "req/s", categories: phases.map((p) => p.name), series: [{ name: "req/s", values: phases.map((p) => p.throughput) }] },
  ];
}
