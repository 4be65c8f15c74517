// Answers per second when the server only refuses, under concurrency (closed model), against
// the trivial Worker served the same way in the same run. request-cost.mjs prices requests one
// at a time; a flood's refusals arrive together, and per answer they cost the thread less.
//   node bench/tools/refusal-throughput.mjs [--seconds 7] [--connections 32]
import { readFileSync } from "node:fs";
import { auth, createTenant, UNLIMITED_RATE } from "../scenarios/api.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";
import { createClient } from "../lib/http-client.mjs";
import { runClosedModel } from "../lib/closed-model.mjs";
import { startServer } from "../lib/launcher.mjs";
import { processTree } from "../lib/proc-cpu.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
// The throttled tenant's one slot is held by a request delayed 10 s (the fault delay's cap): warm-up and phase fit in it.
const seconds = arg("seconds", 7);
const connections = arg("connections", 32);
const HOLD_MS = 10_000;

function cpuSeconds(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {}
  }
  return total;
}

async function measure(name, origin, pid, request) {
  const client = createClient({ origin, connections });
  const byDecider = {};
  const onResponse = (_entry, status, body) => {
    const decidedBy = status >= 400 && typeof body === "string" ? /"decidedBy":"(\w+)"/.exec(body)?.[1] : undefined;
    const key = decidedBy ? `${status} ${decidedBy}` : String(status);
    byDecider[key] = (byDecider[key] ?? 0) + 1;
  };
  const pids = processTree(pid);
  const c0 = cpuSeconds(pids);
  const t0 = performance.now();
  const r = await runClosedModel({ client, concurrency: connections, durationMs: seconds * 1000, warmupMs: 1000, request: () => ({ ...request(), readBody: true }), onResponse });
  const cpu = cpuSeconds(pids) - c0;
  const answered = Object.values(byDecider).reduce((s, n) => s + n, 0);
  await client.close();
  console.log(`${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} answers/s  server CPU ${((cpu / answered) * 1e6).toFixed(0).padStart(5)} µs each  p50 ${r.latency.p50.toFixed(1)} ms  ${JSON.stringify(byDecider)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

console.log(`closed model, ${connections} connections, ${seconds} s after 1 s of warm-up, miniflare-direct; server CPU over all its threads`);
const trivial = await startServer({ path: "miniflare-direct", worker: "trivial" });
try {
  await measure("trivial Worker GET /", trivial.url.replace(/\/$/, ""), trivial.pid, () => ({ method: "GET", path: "/" }));
} finally {
  await trivial.stop();
}

const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `refusals-${Date.now()}`, log: (s) => console.error(s) });
try {
  const server = await tf.serve(true, {});
  await measure("TaskFlow GET /health (404)", tf.origin, server.pid, () => ({ method: "GET", path: "/health" }));
  await measure("TaskFlow 401 unknown key", tf.origin, server.pid, () => ({ method: "GET", path: "/v1/users", headers: auth("tfk_nope_nope", "low") }));
  // A tenant whose one slot is held and whose controller refuses at once (queue 0): its
  // isolate throttle then refuses most low reads at the Worker's door, the rest at the controller.
  const busy = await createTenant(tf.origin, tf.adminToken, "busy", { rateLimit: UNLIMITED_RATE, maxConcurrency: 1, minConcurrency: 1, queueSize: 0 });
  const side = createClient({ origin: tf.origin, connections: 2 });
  const holder = side.send({ method: "GET", path: "/v1/users", headers: { ...auth(busy.apiKey, "critical"), "x-fault-delay-ms": String(HOLD_MS) }, readBody: true });
  await new Promise((r) => setTimeout(r, 100));
  const lowRead = { ...auth(busy.apiKey, "low"), "x-request-timeout-ms": "50" };
  for (let i = 0; i < 20; i++) await side.send({ method: "GET", path: "/v1/users", headers: lowRead, readBody: true });
  await measure("TaskFlow 503 while throttled", tf.origin, server.pid, () => ({ method: "GET", path: "/v1/users", headers: lowRead }));
  await holder;
  await side.close();
} finally {
  await tf.stop();
}
