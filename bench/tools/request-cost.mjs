// Server CPU per request, by request kind: where a loaded server's time goes.
// Sequential requests on one connection; CPU from /proc for the server's process tree.
//   node bench/tools/request-cost.mjs [--requests 300] [--seed 4000] [--off] [--kinds regex] [--var NAME=VALUE ...]
// --kinds: only the kinds whose name matches (e.g. --kinds 'tasks/:id').
//   e.g. --var CACHE_STRATEGY=off to price the uncached reads (repeated reads are cache hits otherwise)
import { auth, createTenant, seedTasks, UNLIMITED_RATE } from "../scenarios/api.mjs";
import { firstTaskId } from "../scenarios/overhead.mjs";
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
    ["GET /v1/tasks/:id", { path: `/v1/tasks/${await firstTaskId(tf.origin, k)}`, headers: auth(k, "normal") }],
    ["GET /v1/tasks?limit=5 (high)", { path: "/v1/tasks?limit=5", headers: auth(k, "high") }],
    ["GET /v1/tasks?limit=20", { path: "/v1/tasks?limit=20", headers: auth(k, "normal") }],
    ["POST /v1/tasks (critical)", { method: "POST", path: "/v1/tasks", headers: { ...auth(k, "critical"), "content-type": "application/json" }, body: JSON.stringify({ title: "cost", priority: "medium" }) }],
    ["GET /v1/tasks?limit=100&status=pending (low)", { path: "/v1/tasks?limit=100&status=pending", headers: auth(k, "low") }],
    ["GET /v1/tasks/stats (low)", { path: "/v1/tasks/stats", headers: auth(k, "low") }],
    ["GET /v1/tasks?q=alpha&limit=100 (low)", { path: "/v1/tasks?q=alpha&limit=100", headers: auth(k, "low") }],
    ["429 rate_limited", { path: "/v1/tasks?limit=5", headers: auth(limited.apiKey, "low") }],
    ["401 bad key", { path: "/v1/tasks?limit=5", headers: auth("tfk_nope_nope", "low") }],
  ];
  // A tenant whose one slot is held and whose controller refuses its low reads: the isolate
  // throttle then refuses about 90 % of them at the Worker's door, the rest through the app.
  const busy = await createTenant(tf.origin, tf.adminToken, "busy", { rateLimit: UNLIMITED_RATE, maxConcurrency: 1, minConcurrency: 1, queueSize: 0 });
  const side = createClient({ origin: tf.origin, connections: 2 });
  const lowRead = { ...auth(busy.apiKey, "low"), "x-request-timeout-ms": "50" };
  let holder;
  const throttle = async () => {
    holder = side.send({ method: "GET", path: "/v1/users", headers: { ...auth(busy.apiKey, "critical"), "x-fault-delay-ms": "8000" }, readBody: true });
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 10; i++) await side.send({ method: "GET", path: "/v1/users", headers: lowRead, readBody: true });
  };
  kinds.push(["503 while throttled (~90 % at the door)", { path: "/v1/users", headers: lowRead, before: throttle }]);
  const client = createClient({ origin: tf.origin, connections: 1 });
  console.log(`admission ${admission ? "on" : "off"}${Object.keys(vars).length ? `, ${JSON.stringify(vars)}` : ""}; ${N} sequential requests per kind, miniflare-direct`);
  const only = process.argv.includes("--kinds") ? new RegExp(process.argv[process.argv.indexOf("--kinds") + 1]) : undefined;
  for (const [name, r] of kinds) {
    if (only && !only.test(name)) continue;
    await r.before?.();
    for (let i = 0; i < 30; i++) await client.send({ method: "GET", readBody: true, ...r });
    const pids = processTree(server.pid), cpu0 = cpu(pids), t0 = performance.now();
    const statuses = {};
    for (let i = 0; i < N; i++) {
      const res = await client.send({ method: "GET", readBody: true, ...r });
      // Refusals say who decided (decidedBy "edge": the isolate, at the door or in the app).
      const decidedBy = res.status >= 400 && typeof res.body === "string" ? /"decidedBy":"(\w+)"/.exec(res.body)?.[1] : undefined;
      const key = decidedBy ? `${res.status} ${decidedBy}` : String(res.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    const wall = (performance.now() - t0) / N, c1 = cpu(pids), user = ((c1.u - cpu0.u) * 1e6) / N, sys = ((c1.s - cpu0.s) * 1e6) / N;
    console.log(`${name.padEnd(44)} server CPU user ${user.toFixed(0).padStart(6)} sys ${sys.toFixed(0).padStart(6)} µs/req  wall ${wall.toFixed(2).padStart(6)} ms/req  ${JSON.stringify(statuses)}`);
  }
  await client.close();
  await holder;
  await side.close();
} finally {
  await tf.stop();
}
