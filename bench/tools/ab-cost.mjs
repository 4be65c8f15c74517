// What one switch costs on one request: 1000 sequential requests with the switch off and on,
// same bundle, same D1, same serving path, same run. Reports client-side latency and the
// Worker's own `Server-Timing: queue` (the acquire RPC as the Worker measured it).
//   node bench/tools/ab-cost.mjs [--toggle ADMISSION_CONTROL|TELEMETRY|RATE_LIMIT_BINDING] [--requests 1000]
// RATE_LIMIT_BINDING: admission off against the benchmark's peer with a limit never reached
// (what one call to Miniflare's rate-limit binding costs).
import { createClient } from "../lib/http-client.mjs";
import { serverTimingMs } from "../lib/server-timing.ts";
import { describeMachine, machineLine } from "../lib/machine.mjs";
import { auth, createTenant, UNLIMITED_RATE } from "../scenarios/api.mjs";
import { servePeer } from "../scenarios/rate-limit-peer.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REQUESTS = arg("requests", 1000);
const toggleAt = process.argv.indexOf("--toggle");
const TOGGLE = toggleAt > 0 ? process.argv[toggleAt + 1] : "ADMISSION_CONTROL";
if (!["ADMISSION_CONTROL", "TELEMETRY", "RATE_LIMIT_BINDING"].includes(TOGGLE)) throw new Error("--toggle is ADMISSION_CONTROL, TELEMETRY or RATE_LIMIT_BINDING");
const WARMUP = 100;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function measure(tf, on) {
  // Telemetry is measured with admission on (the production path), admission with telemetry on.
  if (TOGGLE === "ADMISSION_CONTROL") await tf.serve(on);
  else if (TOGGLE === "RATE_LIMIT_BINDING") await (on ? servePeer(tf, 1_000_000) : tf.serve(false));
  else await tf.serve(true, { TELEMETRY: on ? "on" : "off" });
  const tenant = await createTenant(tf.origin, tf.adminToken, `cost-${on ? "on" : "off"}`, { rateLimit: UNLIMITED_RATE });
  const client = createClient({ origin: tf.origin, connections: 1 });
  const latencies = [];
  const queue = [];
  try {
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      const started = performance.now();
      const res = await client.send({ method: "GET", path: "/v1/tasks?limit=1", headers: auth(tenant.apiKey), readBody: true });
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`unexpected ${res.status}`);
      if (i < WARMUP) continue;
      latencies.push(ms);
      queue.push(serverTimingMs(res.headers, "queue") ?? 0);
    }
  } finally {
    await client.close();
  }
  latencies.sort((a, b) => a - b);
  queue.sort((a, b) => a - b);
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), queueP50: quantile(queue, 0.5), queueP99: quantile(queue, 0.99) };
}

const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `cost-${Date.now()}`, log: (s) => console.log(s) });
try {
  console.log(machineLine(describeMachine()));
  const off = await measure(tf, false);
  const on = await measure(tf, true);
  const f = (n) => n.toFixed(2);
  console.log(`\n${REQUESTS} sequential GET /v1/tasks?limit=1, miniflare-direct, one connection`);
  console.log(`${TOGGLE}  p50 ms  p99 ms  Server-Timing queue p50 / p99 ms`);
  console.log(`off        ${f(off.p50)}    ${f(off.p99)}    ${f(off.queueP50)} / ${f(off.queueP99)}`);
  console.log(`on         ${f(on.p50)}    ${f(on.p99)}    ${f(on.queueP50)} / ${f(on.queueP99)}`);
  console.log(`added by ${TOGGLE}=on: p50 ${f(on.p50 - off.p50)} ms, p99 ${f(on.p99 - off.p99)} ms (ratio p50 ${f(on.p50 / off.p50)}x)`);
} finally {
  await tf.stop();
}
