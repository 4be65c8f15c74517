// Scenario 6, distance: what a remote controller costs, with and without isolate leases.
// SIMULATED_CONTROLLER_RTT_MS (fault injection only) delays every Worker-to-controller call,
// as a controller on another continent would; moderate load, normal and high priority.
import { admissionState, auth, createTenant, metricsText, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { measureCapacity, openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";

export const id = "distance";
export const title = "6. Distance: a remote controller, with and without isolate leases";
export const DISTANCE_QUOTA = { rateLimit: UNLIMITED_RATE, maxConcurrency: 1000, minConcurrency: 64, queueSize: 10_000, timeoutMs: 30_000 };
const MODERATE = 0.5;
const RTTS = [0, 20, 80];
const MODES = [
  { name: "on, no leases", admission: true, vars: { ISOLATE_LEASES: "off" } },
  { name: "on, leases", admission: true, vars: { ISOLATE_LEASES: "on" } },
];

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(false);
  // Every row gets a tenant of its own: controllers keep their state (K, limits) across the
  // restarts between rows, and a row should not start from what another configuration left.
  const freshTenant = async (label) => {
    const tenant = await createTenant(tf.origin, tf.adminToken, `bench-distance-${label}-${ctx.runId}`, DISTANCE_QUOTA);
    await seedTasks(tf.origin, tenant.apiKey, ctx.quick ? 100 : 500);
    return tenant;
  };
  const tenant = await freshTenant("off");
  const mix = distanceMix(tenant.apiKey);
  const capDur = ctx.seconds(6, 2) * 1000, runDur = ctx.seconds(15, 4) * 1000;
  const cap = await measureCapacity({ origin: tf.origin, mix, concurrency: [4, 16], durationMs: capDur, warmupMs: 500, timeoutMs: 10_000 });
  const rate = Math.max(5, Math.round(cap.goodput * MODERATE));
  ctx.log(`  capacity ${cap.goodput.toFixed(0)} req/s with admission off; moderate load ${rate} req/s for ${runDur / 1000}s per phase`);
  const off = await openPhase({ origin: tf.origin, mix, rate, durationMs: runDur, timeoutMs: 10_000, drainMs: 3000 });

  const rows = [["off", "—", off.total.ok.p50, off.total.ok.p99, 0, off.total.status.successPct, NaN, NaN, off.failuresText]];
  const data = { capacity: cap.goodput, rate, off, phases: [] };
  for (const rttMs of RTTS) {
    for (const mode of MODES) {
      await tf.serve(mode.admission, { ...mode.vars, SIMULATED_CONTROLLER_RTT_MS: String(rttMs) });
      const own = await freshTenant(`${rttMs}ms-${mode.vars.ISOLATE_LEASES}`);
      const before = await controllerCalls(tf, own.id);
      await pause(200);
      const load = await openPhase({ origin: tf.origin, mix: distanceMix(own.apiKey), rate, durationMs: runDur, timeoutMs: 10_000, drainMs: 3000 });
      await pause(1500); // releases and lease give-backs land
      const calls = (await controllerCalls(tf, own.id)) - before;
      const k = (await admissionState(tf, own.id)).shards ?? 1;
      const callsPerRequest = calls / Math.max(1, load.sent);
      const addedP50 = load.total.ok.p50 - off.total.ok.p50;
      data.phases.push({ rttMs, mode: mode.name, load, calls, callsPerRequest, addedP50, k, failures: load.failures });
      rows.push([mode.name, rttMs, load.total.ok.p50, load.total.ok.p99, addedP50, load.total.status.successPct, callsPerRequest, k, load.failuresText]);
      ctx.log(`  ${mode.name}, RTT ${rttMs} ms: p50 ${load.total.ok.p50.toFixed(2)} ms (+${addedP50.toFixed(2)}), ${callsPerRequest.toFixed(3)} controller calls per request, K ${k}`);
    }
  }
  const far = data.phases.find((p) => p.rttMs === 80 && p.mode === "on, leases");
  return {
    id, title,
    tables: [{
      title: "Moderate load, latency from intended send time (2xx), controller calls per request",
      headers: ["admission", "simulated RTT ms", "p50 ms", "p99 ms", "added p50 ms vs off", "success %", "controller calls / request", "K after", "not 2xx (status reason × n)"],
      rows,
    }],
    targets: [
      { id: "distance.p50", description: "with leases at 80 ms RTT: added p50 ≤ 2 ms against admission off", value: far?.addedP50 ?? NaN, op: "<=", threshold: 2, unit: "ms" },
      { id: "distance.calls", description: "with leases at 80 ms RTT: ≤ 0.1 controller calls per request", value: far?.callsPerRequest ?? NaN, op: "<=", threshold: 0.1, unit: "" },
    ],
    notes: [
      `Mix: 3 × GET /v1/tasks?limit=5 (normal), 1 × GET /v1/tasks?limit=1 (high), one tenant whose quota never limits; moderate = ${MODERATE * 100} % of the admission-off closed-model capacity (${cap.goodput.toFixed(0)} req/s).`,
      "Each row runs on a tenant of its own, seeded alike: a tenant sharded while it ran without leases stays sharded into the next row, and with K shards at 80 ms its isolates rarely get leases (see bench/README.md, \"Distance\").",
      "Controller calls = every Worker-to-controller call for the tenant (acquire, release, lease renewal and extension, to the root or any shard), from taskflow_admission_controller_calls_total before and after each phase; K after = the tenant's controllers when the phase ended.",
      `Leases at 80 ms: p50 ${ratio(far?.load.total.ok.p50 ?? NaN, off.total.ok.p50).toFixed(2)} × admission off.`,
    ],
    charts: charts(data),
    data,
  };
}

/** Reads only, normal and high priority: what a moderately loaded tenant sends. */
export function distanceMix(apiKey) {
  return [
    { name: "list", path: "/v1/tasks?limit=5", headers: auth(apiKey, "normal"), weight: 3, group: "normal" },
    { name: "list-high", path: "/v1/tasks?limit=1&sort=-updatedAt", headers: auth(apiKey, "high"), weight: 1, group: "high" },
  ];
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ off, phases }) {
  return [
    {
      kind: "bar",
      title: "Distance: p50 by simulated controller RTT",
      yLabel: "ms",
      categories: RTTS.map((r) => `${r} ms`),
      series: [
        { name: "admission off", values: RTTS.map(() => off.total.ok.p50) },
        ...MODES.map((m) => ({ name: `admission ${m.name}`, values: RTTS.map((r) => phases.find((p) => p.rttMs === r && p.mode === m.name)?.load.total.ok.p50 ?? NaN) })),
      ],
    },
  ];
}

/** Every Worker-to-controller call for the tenant so far. */
async function controllerCalls(tf, tenantId) {
  return sumMetric(await metricsText(tf), "taskflow_admission_controller_calls_total", (l) => l.tenant === tenantId) ?? 0;
}
