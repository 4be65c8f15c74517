// Scenario 4, noisy neighbour: one tenant floods D1 with heavy low-priority requests, another
// sends steady light traffic. Admission is per tenant, but D1 is shared: this shows how much
// of the quiet tenant's latency admission can protect, and how much a shared database still
// costs. Targets (issue 11): the quiet tenant 100 % served and its p99 within 3× its p99 alone.
import { auth, createTaskEntry, createTenant, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { overloadMix } from "./overload.mjs";
import { openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";

export const id = "noisy-neighbour";
export const title = "4. Noisy neighbour: one tenant floods, another stays quiet";
const QUIET_RATE = { quick: 10, full: 20 }; // req/s

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(true);
  const capacity = ctx.shared.capacity ?? 50;
  // The noisy tenant gets what an operator would give a tenant on a shared database: at
  // most half its capacity in rate, a small concurrency, a short queue.
  const noisyQuota = { rateLimit: { requests: Math.max(1, Math.round(capacity / 2)), windowMs: 1000, burst: Math.max(5, Math.round(capacity)) }, maxConcurrency: 4, queueSize: 50, timeoutMs: 5000, maxPriority: "normal" };
  const noisy = await createTenant(tf.origin, tf.adminToken, `bench-noisy-${ctx.runId}`, noisyQuota);
  const quiet = await createTenant(tf.origin, tf.adminToken, `bench-quiet-${ctx.runId}`, { rateLimit: UNLIMITED_RATE });
  await seedTasks(tf.origin, noisy.apiKey, ctx.quick ? 4000 : 20_000);
  await seedTasks(tf.origin, quiet.apiKey, 200);

  const quietRate = ctx.quick ? QUIET_RATE.quick : QUIET_RATE.full;
  const noisyRate = Math.round(4 * capacity);
  const dur = ctx.seconds(20, 4) * 1000, timeoutMs = ctx.quick ? 6000 : 10_000, drainMs = ctx.quick ? 3000 : 10_000;
  const quietEntries = (phase) => [
    { name: "quiet-page", path: "/v1/tasks?limit=10", headers: auth(quiet.apiKey, "normal"), weight: 3, group: "quiet" },
    createTaskEntry({ name: "quiet-create", apiKey: quiet.apiKey, priority: "normal", weight: 1, group: "quiet", ledger: ctx.ledger, phase }),
  ];
  // The noisy tenant's mix: the overload scenario's heavy low-priority share only.
  const noisyEntries = () => overloadMix({ apiKey: noisy.apiKey, ledger: ctx.ledger, phase: "unused" }).filter((e) => e.group === "low").map((e) => ({ ...e, group: "noisy" }));
  // One open model drives both tenants: weights proportional to each tenant's rate.
  const combined = (phase) => {
    const q = quietEntries(phase), n = noisyEntries();
    const qW = q.reduce((s, e) => s + e.weight, 0), nW = n.reduce((s, e) => s + e.weight, 0);
    const scaleQ = Math.max(1, Math.round((quietRate / (quietRate + noisyRate)) * 100)), scaleN = Math.max(1, 100 - scaleQ);
    return [...q.map((e) => ({ ...e, weight: e.weight * scaleQ * nW })), ...n.map((e) => ({ ...e, weight: e.weight * scaleN * qW }))];
  };

  const phases = {};
  ctx.log(`  quiet tenant alone: ${quietRate} req/s`);
  phases.alone = await openPhase({ origin: tf.origin, mix: quietEntries("noisy-alone"), rate: quietRate, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs });
  for (const admission of [false, true]) {
    const mode = admission ? "on" : "off";
    await tf.serve(admission);
    ctx.log(`  admission ${mode}: quiet ${quietRate} req/s + noisy ${noisyRate} req/s`);
    phases[mode] = await openPhase({ origin: tf.origin, mix: combined(`noisy-${mode}`), rate: quietRate + noisyRate, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000 });
    await pause(ctx.quick ? 500 : 2000);
  }
  const q = (ph) => ph.groups.quiet, n = (ph) => ph.groups.noisy;
  const row = (label, ph) => [label, q(ph).ok.p50, q(ph).ok.p99, ratio(q(ph).ok.p99, q(phases.alone).ok.p99), q(ph).status.successPct, n(ph) ? n(ph).okSteady / ph.steadyS : NaN, n(ph)?.status.rateLimitedPct ?? NaN, n(ph)?.status.overloadedPct ?? NaN];
  return {
    id, title,
    tables: [{
      title: `Quiet tenant (${quietRate} req/s, light reads and writes) beside a noisy tenant offering ${noisyRate} req/s of heavy reads (4× capacity)`,
      headers: ["phase", "quiet p50 ms", "quiet p99 ms", "quiet p99 ÷ alone", "quiet success %", "noisy goodput req/s", "noisy 429 %", "noisy 503 %"],
      rows: [row("quiet alone", phases.alone), row("with noise, admission off", phases.off), row("with noise, admission on", phases.on)],
    }],
    targets: [
      { id: "noisy.quiet-served", description: "noisy neighbour (other tenant at 4×, admission on): quiet tenant served", value: q(phases.on).status.successPct, op: ">=", threshold: 100, unit: "%" },
      { id: "noisy.quiet-p99", description: "noisy neighbour (admission on): quiet tenant p99 ÷ its p99 alone", value: ratio(q(phases.on).ok.p99, q(phases.alone).ok.p99), op: "<=", threshold: 3, unit: "×" },
    ],
    notes: [
      "\"quiet alone\" runs with admission on. Admission bounds what the noisy tenant may put on D1 (its quota: rate ≈ capacity/2, concurrency 4, queue 50), and the resource governor caps each tenant's concurrency at its fair share of the D1 budget; both tenants still share one D1 database and, locally, one workerd thread.",
    ],
    charts: charts({ phases }),
    data: { quietRate, noisyRate, noisyQuota, phases: Object.fromEntries(Object.entries(phases).map(([k, ph]) => [k, { groups: ph.groups, goodput: ph.goodput, dropped: ph.dropped }])) },
  };
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ phases }) {
  return [{ kind: "bar", title: "Noisy neighbour: quiet tenant p99", yLabel: "ms", categories: ["alone", "noise, admission off", "noise, admission on"], series: [{ name: "quiet p99", values: [phases.alone, phases.off, phases.on].map((ph) => ph.groups.quiet.ok.p99) }] }];
}
