// Scenario 8, auth flood: a quiet tenant beside a flood of well-formed API keys nobody issued
// (issue 12 item 5). Random keys should be refused from memory (401) and keys guessed under a
// known prefix should hit the failure budget (429), so D1 sees at most ~10 key lookups a second
// per isolate, the quiet tenant keeps its latency, and a key issued during the flood works.
import { randomBytes } from "node:crypto";
import { adminRequest, auth, createTenant, metricsText, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";
import { createClient } from "../lib/http-client.mjs";

export const id = "auth-flood";
export const title = "8. Auth flood: unknown API keys beside a quiet tenant";
const QUIET_RATE = { quick: 10, full: 20 }; // req/s
const FLOODS = [
  { name: "random keys", rate: 240, kind: "random" },
  { name: "random keys", rate: 480, kind: "random" },
  { name: "guessed secrets, known prefix", rate: 240, kind: "known-prefix" },
];
const MAX_NEW_KEY_TRIES = 3;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const random62 = (n) => Array.from(randomBytes(n), (b) => BASE62[b % 62]).join("");

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(true);
  const quiet = await createTenant(tf.origin, tf.adminToken, `bench-authflood-quiet-${ctx.runId}`, { rateLimit: UNLIMITED_RATE });
  await seedTasks(tf.origin, quiet.apiKey, 200);
  const quietRate = ctx.quick ? QUIET_RATE.quick : QUIET_RATE.full;
  const dur = ctx.seconds(15, 4) * 1000, timeoutMs = 10_000, drainMs = ctx.quick ? 3000 : 5000;
  // Reads only: each costs the same D1 queries, so the flood's own queries are the rest.
  const quietEntry = { name: "quiet-page", path: "/v1/tasks?limit=10", headers: auth(quiet.apiKey, "normal"), weight: 1, group: "quiet" };
  const knownPrefix = quiet.apiKey.slice(0, 12);
  const floodEntry = (kind) => ({
    name: `flood-${kind}`, path: "/v1/tasks", group: "flood", weight: 1,
    headers: (i) => ({
      authorization: `Bearer ${kind === "random" ? `tfk_${random62(8)}` : knownPrefix}_${random62(32)}`,
      // Addresses as the platform would give them; locally the header is only what we send.
      "cf-connecting-ip": `198.18.${(i >> 8) & 255}.${i & 255}`,
    }),
  });

  const phases = [];
  ctx.log(`  quiet tenant alone: ${quietRate} req/s`);
  const before = await dbQueries(tf);
  const alone = await openPhase({ origin: tf.origin, mix: [quietEntry], rate: quietRate, durationMs: dur, timeoutMs, drainMs });
  const aloneQueries = (await dbQueries(tf)) - before;
  const queriesPerQuiet = aloneQueries / Math.max(1, alone.total.status.total);
  ctx.log(`  alone: p99 ${alone.total.ok.p99.toFixed(1)} ms, ${queriesPerQuiet.toFixed(2)} D1 queries per quiet request`);

  for (const flood of FLOODS) {
    await pause(ctx.quick ? 1000 : 3000);
    ctx.log(`  quiet ${quietRate} req/s + flood of ${flood.name} ${flood.rate} req/s`);
    const floodW = Math.round((flood.rate / quietRate) * 10);
    const mix = [{ ...quietEntry, weight: 10 }, { ...floodEntry(flood.kind), weight: floodW }];
    const start = await dbQueries(tf);
    const [load, newKey] = await Promise.all([
      openPhase({ origin: tf.origin, mix, rate: quietRate + flood.rate, durationMs: dur, timeoutMs, drainMs, maxInFlight: 2000 }),
      newKeyDuringFlood(tf, quiet.id, Math.min(1000, dur / 4)),
    ]);
    const queries = (await dbQueries(tf)) - start;
    const q = load.groups.quiet, f = load.groups.flood;
    const floodQueriesPerS = Math.max(0, queries - queriesPerQuiet * q.status.total) / load.sendWindowS;
    phases.push({ ...flood, load, queries, floodQueriesPerS, newKey, p99Ratio: ratio(q.ok.p99, alone.total.ok.p99) });
    ctx.log(`    quiet ${q.status.successPct.toFixed(1)} % served, p99 ${q.ok.p99.toFixed(1)} ms (${ratio(q.ok.p99, alone.total.ok.p99).toFixed(2)}× alone); flood ${JSON.stringify(f.statusCounts)}; D1 queries for the flood ${floodQueriesPerS.toFixed(1)}/s; new key in after ${newKey.tries} tries`);
  }

  const data = { quietRate, queriesPerQuiet, alone: { groups: alone.groups }, phases: phases.map((p) => ({ name: p.name, rate: p.rate, kind: p.kind, floodQueriesPerS: p.floodQueriesPerS, newKey: p.newKey, p99Ratio: p.p99Ratio, groups: p.load.groups })) };
  const rows = [["quiet alone", alone.total.ok.p50, alone.total.ok.p99, 1, alone.total.status.successPct, "", "", "", "", ""]];
  for (const p of phases) {
    const q = p.load.groups.quiet, f = p.load.groups.flood;
    rows.push([label(p), q.ok.p50, q.ok.p99, p.p99Ratio, q.status.successPct, f.statusCounts["401"] ?? 0, f.statusCounts["429"] ?? 0, f.status.total - (f.statusCounts["401"] ?? 0) - (f.statusCounts["429"] ?? 0), p.floodQueriesPerS, p.newKey.tries]);
  }
  const targets = phases.flatMap((p) => [
    { id: `auth-flood.served.${p.kind}.${p.rate}`, description: `${label(p)}: quiet tenant served 100 %`, value: p.load.groups.quiet.status.successPct, op: ">=", threshold: 100, unit: "%" },
    { id: `auth-flood.p99.${p.kind}.${p.rate}`, description: `${label(p)}: quiet p99 ≤ 2× alone`, value: p.p99Ratio, op: "<=", threshold: 2, unit: "×" },
    { id: `auth-flood.d1.${p.kind}.${p.rate}`, description: `${label(p)}: D1 queries for unknown keys ≤ ~10/s per isolate`, value: p.floodQueriesPerS, op: "<=", threshold: 10, unit: "/s" },
    { id: `auth-flood.newkey.${p.kind}.${p.rate}`, description: `${label(p)}: a key issued during the flood gets in within ${MAX_NEW_KEY_TRIES} tries`, value: p.newKey.tries, op: "<=", threshold: MAX_NEW_KEY_TRIES, unit: "tries" },
  ]);
  return {
    id, title,
    tables: [{
      title: `Quiet tenant (${quietRate} req/s of GET /v1/tasks?limit=10) beside floods of well-formed unknown keys`,
      headers: ["phase", "quiet p50 ms", "quiet p99 ms", "quiet p99 ÷ alone", "quiet success %", "flood 401", "flood 429", "flood other", "flood D1 queries/s", "new key: tries"],
      rows,
    }],
    targets,
    notes: [
      `D1 queries come from /metrics (taskflow_db_query_duration_seconds_count, which counts key lookups and prefix refreshes too) before and after each phase; the quiet tenant's share (${queriesPerQuiet.toFixed(2)} per request, measured alone) is taken off, the rest divided by the send window.`,
      "\"guessed secrets, known prefix\": random secrets under the quiet tenant's own prefix, the case the failure budget (429) is for. That tenant was created in this run, so its prefix is in the budget's \"recent\" lane (2/s) rather than the established one (8/s).",
      "New key: issued through POST /admin/tenants/:id/keys a quarter into the flood, then GET /v1/tasks every 250 ms until a 200. Locally one isolate serves both the admin call and the requests, so it knows the key at once; a key issued by another isolate waits for the next prefix refresh (≤ 1 s; test/worker/security.auth-flood.test.ts).",
    ],
    charts: charts(data),
    data,
  };
}

const label = (p) => `${p.name} ${p.rate}/s`;

/** A key issued during the flood and used until it works: how many tries it took. */
async function newKeyDuringFlood(tf, tenantId, afterMs) {
  await pause(afterMs);
  const issued = await adminRequest(tf.origin, tf.adminToken, "POST", `/admin/tenants/${tenantId}/keys`);
  if (issued.status !== 201) throw new Error(`issuing a key failed: ${issued.status}`);
  const client = createClient({ origin: tf.origin, connections: 1 });
  const statuses = [];
  try {
    for (let tries = 1; tries <= 20; tries++) {
      const res = await client.send({ method: "GET", path: "/v1/tasks?limit=1", headers: { authorization: `Bearer ${issued.json.apiKey}`, "cf-connecting-ip": "192.0.2.77" }, timeoutMs: 10_000 });
      statuses.push(res.status);
      if (res.status === 200) return { tries, statuses };
      await pause(250);
    }
    return { tries: Number.NaN, statuses };
  } finally {
    await client.close();
  }
}

/** D1 queries this server has run so far (the answering isolate flushes its telemetry first). */
async function dbQueries(tf) {
  return sumMetric(await metricsText(tf), "taskflow_db_query_duration_seconds_count") ?? Number.NaN;
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ alone, phases }) {
  return [{ kind: "bar", title: "Auth flood: quiet tenant p99", yLabel: "ms", categories: ["alone", ...phases.map(label)], series: [{ name: "quiet p99", values: [alone.groups.quiet.ok.p99, ...phases.map((p) => p.groups.quiet.ok.p99)] }] }];
}
