// One overload phase, looked at closely: for tuning admission between full bench runs.
// Serves TaskFlow (miniflare-direct), seeds a tenant, offers the overload mix at
// --multiple × --capacity req/s, and prints per-priority p50/p99, statuses, shed p99, the
// server's CPU per thread and the controller's state sampled during the phase.
// PROBE_QUOTA='{"minConcurrency":20}' merges into the tenant's quota.
// `--governor-mix` offers the governor scenarios' mix (pages and creates, all normal) instead,
// `--distance-mix` the distance scenario's (reads at normal and high, a quota that never limits).
//   node bench/tools/overload-probe.mjs [--governor-mix | --distance-mix] [--pre-seconds 5 --pre-var ISOLATE_LEASES=off] [--capacity 300] [--multiple 4] [--seconds 10] [--seed 4000] [--off] [--no-telemetry] [--connections 2000]
import { readdirSync, readFileSync } from "node:fs";
import { adminRequest, admissionState, createTenant, metricsText, seedTasks } from "../scenarios/api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { serverTimingMs } from "../lib/server-timing.ts";
import { Ledger } from "../scenarios/ledger.mjs";
import { OVERLOAD_QUOTA, overloadMix } from "../scenarios/overload.mjs";
import { GOVERNOR_QUOTA, governorMix } from "../scenarios/governor-mix.mjs";
import { DISTANCE_QUOTA, distanceMix } from "../scenarios/distance.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";
import { openPhase } from "../scenarios/util.mjs";
import { processTree } from "../lib/proc-cpu.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const admission = !process.argv.includes("--off");
const useGovernorMix = process.argv.includes("--governor-mix");
const useDistanceMix = process.argv.includes("--distance-mix");
/** `--var NAME=VALUE` (repeatable) overrides a wrangler.toml var for this probe. */
const vars = Object.fromEntries(process.argv.flatMap((a, i) => (process.argv[i - 1] === "--var" ? [a.split("=")] : [])));
const BUCKET_MS = arg("bucket-ms", 1000);
/** `--pre-seconds N --pre-var NAME=VALUE`: first the same load for N s with those vars on top, then a restart with the plain ones. */
const preSeconds = arg("pre-seconds", 0);
const preVars = Object.fromEntries(process.argv.flatMap((a, i) => (process.argv[i - 1] === "--pre-var" ? [a.split("=")] : [])));
const capacity = arg("capacity", 300), multiple = arg("multiple", 4), seconds = arg("seconds", 10);

/** The mix the flags chose, for one phase of the probe. */
function mixFor(apiKey, ledger, phase) {
  if (useDistanceMix) return distanceMix(apiKey);
  if (useGovernorMix) return governorMix({ apiKey, ledger, phase, group: "normal" });
  return overloadMix({ apiKey, ledger, phase });
}

function threadTicks(pids) {
  const out = new Map();
  for (const pid of pids) {
    let tids = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const raw = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const comm = raw.slice(raw.indexOf("(") + 1, raw.lastIndexOf(")"));
        const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
        out.set(`${pid}/${tid} ${comm}`, Number(f[11]) + Number(f[12]));
      } catch { /* gone */ }
    }
  }
  return out;
}

const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `probe-${Date.now()}`, log: (s) => console.error(s) });
try {
  if (process.env.PROBE_SQL || process.env.PROBE_SQL_FILE) {
    // Debugging only: run SQL against the fresh local D1 before serving (e.g. drop a trigger).
    tf.prepare();
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "d1", "execute", "DB", "--local", "--persist-to", tf.persistTo, ...(process.env.PROBE_SQL_FILE ? ["--file", process.env.PROBE_SQL_FILE] : ["--command", process.env.PROBE_SQL])], { encoding: "utf8" });
    console.error(`PROBE_SQL exit ${r.status} ${r.stderr.slice(-300)}`);
  }
  const serveVars = { ...(process.argv.includes("--no-telemetry") ? { TELEMETRY: "off" } : {}), ...(process.env.PROBE_SLOW_MS ? { DB_ENABLE_QUERY_LOGGING: "true", DB_SLOW_QUERY_THRESHOLD: process.env.PROBE_SLOW_MS } : {}), ...vars };
  let server = await tf.serve(admission, preSeconds > 0 ? { ...serveVars, ...preVars } : serveVars);
  if (process.env.PROBE_PIN) {
    // Debugging only: server tree on CPU 0, this client on CPU 1 (is a stall CPU contention?).
    const { execSync } = await import("node:child_process");
    for (const pid of processTree(server.pid)) execSync(`taskset -a -p -c 0 ${pid} > /dev/null`);
    execSync(`taskset -a -p -c 1 ${process.pid} > /dev/null`);
  }
  const tenant = await createTenant(tf.origin, tf.adminToken, "probe", { ...(useGovernorMix ? GOVERNOR_QUOTA : useDistanceMix ? DISTANCE_QUOTA : OVERLOAD_QUOTA), ...JSON.parse(process.env.PROBE_QUOTA ?? "{}") });
  await seedTasks(tf.origin, tenant.apiKey, arg("seed", 4000));
  const ledger = new Ledger("probe");
  if (preSeconds > 0) {
    // The tenant's controllers keep what the pre-phase left them (K, limits) across the restart.
    const pre = await openPhase({ origin: tf.origin, mix: mixFor(tenant.apiKey, ledger, "pre"), rate: Math.round(capacity * multiple), durationMs: preSeconds * 1000, timeoutMs: 10_000, drainMs: 3000 });
    console.log(`pre-phase with ${JSON.stringify(preVars)}: ${preSeconds}s, goodput ${pre.goodput.toFixed(1)} req/s`);
    server = await tf.serve(admission, serveVars);
  }
  const pids = processTree(server.pid);
  const before = threadTicks(pids);
  const samples = [];
  const sampler = setInterval(async () => {
    const state = await admissionState(tf, tenant.id).catch(() => undefined);
    const governor = await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor").then((r) => r.json).catch(() => undefined);
    if (state) samples.push({ ...state, governor });
  }, Number(process.env.PROBE_SAMPLE_MS ?? 2000));
  // PROBE_STALLS: sample the server's busiest thread every 50 ms (is it busy during a stall?)
  const cpuTrace = [];
  const mainThread = [...threadTicks(pids)].sort((a, b) => b[1] - a[1])[0]?.[0];
  const cpuSampler = process.env.PROBE_STALLS && mainThread ? setInterval(() => cpuTrace.push([Date.now(), threadTicks(pids).get(mainThread) ?? 0]), 50) : undefined;
  const t0 = performance.now();
  // Per second of intended send time and group: [answers, latencies].
  const timeline = new Map();
  const worstBySlot = new Map();
  const slowAnswers = [];
  const t0Wall = Date.now();
  // Why refusals were refused: reason / reasonDetail / decidedBy of each problem+json.
  const refusalReasons = new Map();
  const recorder = {
    onResponse: (entry, status, body, index, timing) => {
      ledger.onResponse(entry, status, body, index);
      if (status >= 400) {
        let problem;
        try { problem = typeof body === "string" ? JSON.parse(body) : body; } catch { problem = undefined; }
        const why = `${status} ${problem?.reason ?? "?"}/${problem?.reasonDetail ?? "-"}/${problem?.decidedBy ?? "controller"}`;
        refusalReasons.set(why, (refusalReasons.get(why) ?? 0) + 1);
      }
      if (!timing) return;
      const sentAbs = Math.floor((t0Wall + timing.sentAtMs) / 100) * 100;
      worstBySlot.set(sentAbs, Math.max(worstBySlot.get(sentAbs) ?? 0, timing.latencyMs));
      if (timing.latencyMs > 500) {
        const total = serverTimingMs(timing.headers, "total");
        slowAnswers.push(`${((sentAbs - t0Wall) / 1000).toFixed(1)}s ${entry.group} ${status} client ${timing.latencyMs.toFixed(0)} server ${total ?? "?"}`);
      }
      const key = `${Math.floor(timing.sentAtMs / BUCKET_MS) * BUCKET_MS / 1000}|${entry.group}|${status}`;
      if (!timeline.has(key)) timeline.set(key, []);
      timeline.get(key).push(timing.latencyMs);
    },
  };
  let mix = mixFor(tenant.apiKey, ledger, "probe");
  // --critical-read: the critical share reads instead of writing (is a stall the writes'?)
  if (process.argv.includes("--critical-read")) mix = mix.map((e) => (e.group === "critical" ? { name: "crit-read", path: "/v1/tasks?limit=5", headers: { ...e.headers }, weight: e.weight, group: "critical" } : e));
  // Controller calls by kind and D1 queries, from /metrics (the scrape flushes the answering isolate first).
  const counters = async () => {
    const text = await metricsText(tf);
    const calls = (kind) => sumMetric(text, "taskflow_admission_controller_calls_total", (l) => l.kind === kind) ?? 0;
    return { acquire: calls("acquire"), release: calls("release"), renew: calls("renew"), d1: sumMetric(text, "taskflow_db_query_duration_seconds_count") ?? 0 };
  };
  const countersBefore = await counters();
  const ph = await openPhase({ origin: tf.origin, mix, rate: Math.round(capacity * multiple), durationMs: seconds * 1000, ledger: recorder, timeoutMs: 10_000, drainMs: 5000, maxInFlight: 2000, connections: arg("connections", 2000), warmConnections: arg("warm-connections", 0) });
  const wall = (performance.now() - t0) / 1000;
  const countersAfter = await counters();
  const clientCpu = process.cpuUsage();
  clearInterval(sampler);
  if (cpuSampler) clearInterval(cpuSampler);
  const after = threadTicks(pids);
  console.log(`admission ${admission ? "on" : "off"}, ${multiple}× ${capacity} = ${ph.rate} req/s for ${seconds}s: goodput ${ph.goodput.toFixed(1)} req/s (degraded ${ph.degradedGoodput.toFixed(1)}), sent ${ph.sent}, dropped ${ph.dropped}, unfinished ${ph.unfinished}`);
  for (const [g, s] of Object.entries(ph.groups)) {
    console.log(`  ${g.padEnd(8)} ok ${String(s.status.success).padStart(5)} p50 ${s.ok.p50?.toFixed(1)} p99 ${s.ok.p99?.toFixed(1)} | rejected p50 ${s.rejected.p50?.toFixed(1)} p99 ${s.rejected.p99?.toFixed(1)} | ${JSON.stringify(s.statusCounts)}`);
  }
  console.log(`  refusals by reason/detail/decider: ${[...refusalReasons].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`  shed p99 ${ph.total.rejected.p99?.toFixed(1)} ms; statuses ${JSON.stringify(ph.total.statusCounts)}; send lag ${JSON.stringify(ph.sendLag)}`);
  const busy = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / 100 / wall]).filter(([, v]) => v > 0.01).sort((a, b) => b[1] - a[1]);
  const sent = Object.values(ph.total.statusCounts ?? {}).reduce((a, b) => a + b, 0) || 1;
  console.log(`  per request sent: ${Object.keys(countersAfter).map((k) => `${k} ${((countersAfter[k] - (countersBefore[k] ?? 0)) / sent).toFixed(2)}`).join(", ")}`);
  console.log(`  client CPU (whole run, s): user ${(clientCpu.user / 1e6).toFixed(1)} system ${(clientCpu.system / 1e6).toFixed(1)}`);
  console.log(`  server CPU by thread (cores): ${busy.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
  for (const s of samples) {
    console.log(`  state limit ${s.limit} share ${s.share} leases ${JSON.stringify(s.leases)} inflight ${s.inflight} queued ${JSON.stringify(s.queued)} level ${s.loadLevel} saturation ${JSON.stringify(s.saturation)} decisions ${JSON.stringify(s.decisions)}`);
    if (s.governor) console.log(`    governor budget ${s.governor.budget} contention ${JSON.stringify(s.governor.contention)}`);
    const sh = s.sharding;
    if (sh) console.log(`    K ${sh.k} calls/s ${sh.callsPerSec} forecast ${sh.forecastPerSec} leased ${JSON.stringify(sh.leased)} shards ${sh.shards.map((x) => `${x.tokens}t/${x.slots}s/${x.demandRps}rps`).join(" ")}`);
  }
  if (process.env.PROBE_STALLS) console.log(`  stalls (100 ms slots by send time, worst latency > 200 ms): ${[...worstBySlot].filter(([, v]) => v > 200).map(([k, v]) => `${((k - t0Wall) / 1000).toFixed(1)}s:${v.toFixed(0)}`).join(" ")}`);
  if (process.env.PROBE_STALLS) {
    // Busy fraction of the main thread per 200 ms, around the stalls.
    const stallSlots = new Set([...worstBySlot].filter(([, v]) => v > 400).map(([k]) => Math.floor((k - t0Wall) / 200)));
    const rows = [];
    for (let i = 4; i < cpuTrace.length; i += 4) {
      const [t, ticks] = cpuTrace[i], [t0_, ticks0] = cpuTrace[i - 4];
      const slot = Math.floor((t0_ - t0Wall) / 200);
      if (stallSlots.has(slot) || stallSlots.has(slot - 1) || stallSlots.has(slot + 1) || stallSlots.has(slot + 2)) rows.push(`${((t0_ - t0Wall) / 1000).toFixed(1)}s:${Math.round((100 * (ticks - ticks0) * 10) / (t - t0_))}%`);
    }
    console.log(`  main thread busy around stalls (per 200 ms): ${rows.join(" ")}`);
  }
  if (process.env.PROBE_STALLS) console.log(`  slow answers (client vs Server-Timing total, ms): ${slowAnswers.filter((_, i) => i % Math.max(1, Math.floor(slowAnswers.length / 25)) === 0).join(" | ")}`);
  console.log("  second | group status: n p50/p99 ms");
  const seconds_ = [...new Set([...timeline.keys()].map((k) => Number(k.split("|")[0])))].sort((a, b) => a - b);
  for (const sec of seconds_) {
    const cells = [...timeline].filter(([k]) => Number(k.split("|")[0]) === sec).sort().map(([k, v]) => {
      v.sort((a, b) => a - b);
      const q = (x) => v[Math.min(v.length - 1, Math.floor(x * v.length))].toFixed(0);
      return `${k.split("|").slice(1).join(" ")}: ${v.length} ${q(0.5)}/${q(0.99)}`;
    });
    console.log(`  ${sec}s | ${cells.join(" | ")}`);
  }
} finally {
  await tf.stop();
}
