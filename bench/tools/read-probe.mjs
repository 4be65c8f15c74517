// The overhead scenario's saturated read, looked at closely: serves TaskFlow (miniflare-direct),
// makes a tenant with the scenario's quota, and runs 16 closed-loop clients of
// GET /v1/tasks/:id for --seconds, printing the tenant's admission state every --sample-ms
// (limit, in flight, lease coverage, load level, K, the limiter's RTTs), the throughput and the
// server's CPU per request.
// --busy-seconds N first runs the overhead scenario's capacity mix (lists, stats, creates) on
// another tenant for N s with 16 clients, as the scenario does before its saturated read;
// --moderate-seconds M then runs that mix open-model at half the busy run's rate for M s.
// --sequential N first sends the reader N reads one at a time (what the limiter then takes for
// the no-load RTT); --rounds R runs the saturated read R times back to back on the same server.
//   node bench/tools/read-probe.mjs [--off] [--busy-seconds 8] [--moderate-seconds 20] [--sequential 50] [--rounds 1] [--seconds 8] [--sample-ms 500] [--clients 16] [--var NAME=VALUE]
// PROBE_QUOTA='{"minConcurrency":20}' merges into the tenant's quota.
import { adminRequest, admissionState, createTenant, seedTasks } from "../scenarios/api.mjs";
import { firstTaskId, OVERHEAD_QUOTA, overheadMix, saturatedReadMix } from "../scenarios/overhead.mjs";
import { Ledger } from "../scenarios/ledger.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";
import { measureCapacity, openPhase } from "../scenarios/util.mjs";
import { sampleUntilStopped } from "../lib/sample-until-stopped.ts";
import { treeCpuSeconds } from "../lib/proc-cpu.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const vars = Object.fromEntries(process.argv.flatMap((a, i) => (process.argv[i - 1] === "--var" ? [a.split("=")] : [])));
const admission = !process.argv.includes("--off");
const seconds = arg("seconds", 8), sampleMs = arg("sample-ms", 500), clients = arg("clients", 16);
const QUOTA = { ...OVERHEAD_QUOTA, ...JSON.parse(process.env.PROBE_QUOTA ?? "{}") };

const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `read-probe-${Date.now()}`, log: (s) => console.error(s) });
try {
  const server = await tf.serve(admission, vars);
  const busySeconds = arg("busy-seconds", 0);
  if (busySeconds > 0) {
    const busy = await createTenant(tf.origin, tf.adminToken, "busy", QUOTA);
    await seedTasks(tf.origin, busy.apiKey, 1000);
    const ledger = new Ledger("read-probe");
    const mix = overheadMix({ apiKey: busy.apiKey, ledger, phase: "busy" });
    const busyRun = await measureCapacity({ origin: tf.origin, mix, concurrency: [4, 16], durationMs: busySeconds * 1000, warmupMs: 500, ledger, timeoutMs: 10_000 });
    console.log(`busy tenant first: ${busyRun.goodput.toFixed(0)} req/s`);
    const moderateSeconds = arg("moderate-seconds", 0);
    if (moderateSeconds > 0) {
      const rate = Math.max(5, Math.round(busyRun.goodput / 2));
      const load = await openPhase({ origin: tf.origin, mix, rate, durationMs: moderateSeconds * 1000, ledger, timeoutMs: 10_000, drainMs: 5000 });
      console.log(`then moderate: ${rate} req/s offered, ${load.goodput.toFixed(0)} req/s served`);
    }
  }
  const tenant = await createTenant(tf.origin, tf.adminToken, "reader", QUOTA);
  await seedTasks(tf.origin, tenant.apiKey, 20);
  const taskId = await firstTaskId(tf.origin, tenant.apiKey);
  const sequential = arg("sequential", 0);
  const [read] = saturatedReadMix(tenant.apiKey, taskId);
  const statuses = {};
  for (let i = 0; i < sequential; i++) {
    const res = await fetch(`${tf.origin}${read.path}`, { headers: read.headers });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
  if (sequential > 0) console.log(`${sequential} sequential reads first: ${JSON.stringify(statuses)}`);
  for (let round = 1; round <= arg("rounds", 1); round++) {
    console.log(`-- round ${round}`);
    await saturatedRound(tenant, taskId, server);
  }
} finally {
  await tf.stop?.();
}

async function saturatedRound(tenant, taskId, server) {
  const started = Date.now();
  const sampler = sampleUntilStopped(async () => {
    const s = await admissionState(tf, tenant.id);
    const g = (await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor").catch(() => undefined))?.json;
    return { t: Date.now() - started, s, g };
  }, sampleMs);
  const cpuBefore = treeCpuSeconds(server.pid);
  const result = await measureCapacity({ origin: tf.origin, mix: saturatedReadMix(tenant.apiKey, taskId), concurrency: [clients], durationMs: seconds * 1000, warmupMs: 500, timeoutMs: 10_000 });
  const cpuSeconds = treeCpuSeconds(server.pid) - cpuBefore;
  const samples = await sampler.stop();
  const governor = (await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor")).json;
  console.log(`governor after: budget ${governor?.budget} contention ${JSON.stringify(governor?.contention)} tenants ${JSON.stringify((governor?.tenants ?? []).map((g) => [g.tenant, g.demand, g.share, g.cap]))}`);
  console.log(`admission ${admission ? "on" : "off"}: ${result.goodput.toFixed(0)} req/s with ${clients} clients, p50 ${result.latency?.p50?.toFixed?.(2)} ms, statuses ${JSON.stringify(result.status)}`);
  // The whole server tree's CPU (the warm-up and the state samples included) per request measured: a steadier cost than req/s on a shared machine.
  console.log(`server CPU ${cpuSeconds.toFixed(2)} s, ${((1e6 * cpuSeconds) / Math.max(1, result.status.total)).toFixed(0)} µs per request`);
  for (const { t, s, g } of samples) {
    console.log(`  ${(t / 1000).toFixed(1)}s limit ${s.limit} (learned ${s.learnedLimit ?? "?"}, share ${s.share ?? "-"}) inflight ${s.inflight} level ${s.loadLevel} K ${s.shards ?? 1} leases ${JSON.stringify(s.leases)} rtt ${JSON.stringify(s.rtt ?? s.limiter?.rtt ?? null)} queued ${JSON.stringify(s.queued)} admitted ${s.decisions?.admitted} saturation ${JSON.stringify(s.saturation ?? null)}`);
    if (g) console.log(`        governor budget ${g.budget} contention ${JSON.stringify(g.contention)} shares ${JSON.stringify((g.tenants ?? []).map((x) => [x.tenant.slice(0, 6), x.demand, x.share, x.cap]))}`);
  }
}
