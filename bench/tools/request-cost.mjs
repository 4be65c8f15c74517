// Server CPU per request, by request kind: where a loaded server's time goes.
// Sequential requests on one connection; CPU from /proc for the server's process tree.
//   node bench/tools/request-cost.mjs [--requests 300] [--seed 4000] [--off] [--var NAME=VALUE ...]
//   e.g. --var CACHE_STRATEGY=off to price the uncached reads (repeated reads are cache hits otherwise)
import { auth, createTenant, seedTasks, UNLIMITED_RATE } from "../scenarios/api.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";
import { createClient } from "../lib/http-client.mjs";
import { processTree } from "../lib/proc-cpu.mjs";
import { readFileSync } from "node:fs";
function cpu(pids) {
  let u = 0, sy = 0;
  for (const pid of pids) {
    try {
      const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
      u += Number(f[11]); sy += Number(f[12]);
    } catch {}
  }
  return { u: u / 100, s: sy / 100 };
}

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("requests", 300);
const admission = !process.argv.includes("--off");
const vars = Object.fromEntries(process.argv.flatMap((a, i) => (process.argv[i - 1] === "--var" ? [a.split("=")] : [])));
const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `cost-${Date.now()}`, log: (s) => console.error(s) });
try {
  const server = await tf.serve(admission, vars);
  const tenant = await createTenant(tf.origin, tf.adminToken, "cost", { rateLimit: UNLIMITED_RATE });
  const limited = await createTenant(tf.origin, tf.adminToken, "limited", { rateLimit: { requests: 5, windowMs: 60_000, burst: 5 } });
  await seedTasks(tf.origin, tenant.apiKey, arg("seed", 4000));
  const k = tenant.apiKey;
  const kinds = [
    ["GET /health", { path: "/health" }],
    ["GET /v1/tasks?limit=5 (high)", { path: "/v1/tasks?limit=5", headers: auth(k, "high") }],
    ["GET /v1/tasks?limit=20", { path: "/v1/tasks?limit=20", headers: auth(k, "normal") }],
    ["POST /v1/tasks (critical)", { method: "POST", path: "/v1/tasks", headers: { ...auth(k, "critical"), "content-type": "application/json" }, body: JSON.stringify({ title: "cost", priority: "medium" }) }],
    ["GET /v1/tasks?limit=100&status=pending (low)", { path: "/v1/tasks?limit=100&status=pending", headers: auth(k, "low") }],
    ["GET /v1/tasks/stats (low)", { path: "/v1/tasks/stats", headers: auth(k, "low") }],
    ["GET /v1/tasks?q=alpha&limit=100 (low)", { path: "/v1/tasks?q=alpha&limit=100", headers: auth(k, "low") }],
    ["429 rate_limited", { path: "/v1/tasks?limit=5", headers: auth(limited.apiKey, "low") }],
    ["401 bad key", { path: "/v1/tasks?limit=5", headers: auth("tfk_nope_nope", "low") }],
  ];
  // A tenant this isolate knows to be under load: its low searches are refused at the edge.
  const busy = await createTenant(tf.origin, tf.adminToken, "busy", { rateLimit: UNLIMITED_RATE, maxConcurrency: 1, minConcurrency: 1 });
  const side = createClient({ origin: tf.origin, connections: 2 });
  const markUnderLoad = async () => {
    const holder = side.send({ method: "GET", path: "/v1/tasks?limit=1", headers: { ...auth(busy.apiKey, "critical"), "x-fault-delay-ms": "150" }, readBody: true });
    await new Promise((r) => setTimeout(r, 30));
    await side.send({ method: "GET", path: "/v1/tasks?limit=1", headers: auth(busy.apiKey, "critical"), readBody: true }); // queued: comes back "elevated"
    await holder;
  };
  kinds.push(["503 refused at the edge (low search, under load)", { path: "/v1/tasks?q=alpha", headers: auth(busy.apiKey, "low"), before: markUnderLoad }]);
  const client = createClient({ origin: tf.origin, connections: 1 });
  console.log(`admission ${admission ? "on" : "off"}${Object.keys(vars).length ? `, ${JSON.stringify(vars)}` : ""}; ${N} sequential requests per kind, miniflare-direct`);
  for (const [name, r] of kinds) {
    await r.before?.();
    for (let i = 0; i < 30; i++) await client.send({ method: "GET", readBody: true, ...r });
    const pids = processTree(server.pid), cpu0 = cpu(pids), t0 = performance.now();
    const statuses = {};
    for (let i = 0; i < N; i++) {
      const res = await client.send({ method: "GET", readBody: true, ...r });
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
    const wall = (performance.now() - t0) / N, c1 = cpu(pids), user = ((c1.u - cpu0.u) * 1e6) / N, sys = ((c1.s - cpu0.s) * 1e6) / N;
    console.log(`${name.padEnd(44)} server CPU user ${user.toFixed(0).padStart(6)} sys ${sys.toFixed(0).padStart(6)} µs/req  wall ${wall.toFixed(2).padStart(6)} ms/req  ${JSON.stringify(statuses)}`);
  }
  await client.close();
} finally {
  await tf.stop();
}
