// Scenario 8, hot tenant: one tenant at 4x ADMISSION_CONTROLLER_TARGET_RPS (lowered to 50 calls/s
// so a local run can reach it). Isolate leases off, so every request is two controller calls
// (acquire, release): 100 req/s is 200 calls/s. The root should shard up to K >= 4 fast, spread
// the calls so no shard serves more than 1.2x the target once settled, serve every request, and
// come back to K = 1 once the tenant is quiet.
import { admissionState, auth, createTenant, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { openPhase, pause } from "./util.mjs";
import { sampleUntilStopped } from "../lib/sample-until-stopped.ts";

export const id = "hot-tenant";
export const title = "12. Hot tenant: sharding up and back down (target lowered to 50 calls/s)";
const TARGET = 50;
const QUOTA = { rateLimit: UNLIMITED_RATE, maxConcurrency: 256, minConcurrency: 64, queueSize: 10_000, timeoutMs: 30_000 };
/** Settled: from this long after the load started. */
const SETTLED_AFTER_MS = 10_000;

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(true, { ADMISSION_CONTROLLER_TARGET_RPS: String(TARGET), ISOLATE_LEASES: "off" });
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-hot-${ctx.runId}`, QUOTA);
  await seedTasks(tf.origin, tenant.apiKey, 50);
  const mix = [{ name: "list", path: "/v1/tasks?limit=5", headers: auth(tenant.apiKey, "normal"), weight: 1, group: "normal" }];
  const rate = (4 * TARGET) / 2;
  const loadMs = ctx.seconds(40, 20) * 1000;
  const started = Date.now();
  const poller = sampleUntilStopped(async () => {
    const state = await admissionState(tf, tenant.id);
    return { t: Date.now() - started, k: state.shards ?? 1, shardCalls: (state.sharding?.shards ?? []).filter((s) => !s.retiring).map((s) => 2 * s.demandRps), callsPerSec: state.sharding?.callsPerSec ?? 0 };
  }, 500);
  const { samples } = poller;
  ctx.log(`  ${rate} req/s (${2 * rate} controller calls/s, ${(2 * rate) / TARGET}x the target) for ${loadMs / 1000}s`);
  const load = await openPhase({ origin: tf.origin, mix, rate, durationMs: loadMs, timeoutMs: 10_000, drainMs: 3000 });
  const quietAt = Date.now() - started;
  const quietLimitMs = ctx.seconds(200, 200) * 1000;
  while (Date.now() - started - quietAt < quietLimitMs && (samples.at(-1)?.k ?? 1) > 1) await pause(1000);
  await poller.stop();

  const firstK4 = samples.find((s) => s.k >= 4);
  const settled = samples.filter((s) => s.t >= SETTLED_AFTER_MS && s.t <= quietAt);
  const busiestShard = Math.max(0, ...settled.flatMap((s) => s.shardCalls));
  const backToOne = samples.find((s) => s.t > quietAt && s.k === 1);
  const maxK = Math.max(1, ...samples.map((s) => s.k));
  const timeline = samples.filter((_, i) => i % 4 === 0).map((s) => [(s.t / 1000).toFixed(1), s.k, s.callsPerSec.toFixed(0), Math.max(0, ...s.shardCalls).toFixed(0)]);
  return {
    id, title,
    tables: [{ title: "K over time (every 2 s), controller calls/s measured by the root, busiest shard's calls/s", headers: ["t s", "K", "calls/s", "busiest shard calls/s"], rows: timeline }],
    targets: [
      { id: "hot.k4", description: "K reaches >= 4 within 10 s of the load", value: firstK4 ? firstK4.t / 1000 : NaN, op: "<=", threshold: 10, unit: "s" },
      { id: "hot.shard", description: "no shard above 1.2x the target once settled (busiest shard's calls/s over target)", value: busiestShard / TARGET, op: "<=", threshold: 1.2, unit: "x" },
      { id: "hot.down", description: "K back to 1 within 90 s of quiet", value: backToOne ? (backToOne.t - quietAt) / 1000 : NaN, op: "<=", threshold: 90, unit: "s" },
      { id: "hot.served", description: "requests served throughout (2xx)", value: load.total.status.successPct, op: ">=", threshold: 99.9, unit: "%" },
    ],
    notes: [
      `One tenant, GET /v1/tasks?limit=5 at ${rate} req/s open-model, ISOLATE_LEASES=off, ADMISSION_CONTROLLER_TARGET_RPS=${TARGET}; K peaked at ${maxK}.`,
      "A shard's calls/s is twice the acquires per second it last reported to the root (every acquire is followed by a release); the root samples its state every 500 ms.",
      "After 60 s under 30 % of K x target K halves as many times as the forecast stays under 30 % of the K halved (shard-autoscaler.ts): a tenant gone quiet is back to K = 1 in one step.",
    ],
    charts: [],
    data: { samples, quietAt, load: { successPct: load.total.status.successPct, sent: load.sent } },
  };
}
