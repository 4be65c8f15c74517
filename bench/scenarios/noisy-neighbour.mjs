// Scenario 4, noisy neighbour: one tenant floods D1 with heavy low-priority requests, another
// sends steady light traffic. Admission is per tenant, but D1 is shared: this shows how much
// of the quiet tenant's latency admission can protect, and how much a shared database still
// costs. Targets (issue 11): the quiet tenant 100 % served and its p99 within 3× its p99 alone.
import { auth, createTaskEntry, createTenant, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { overloadMix } from "./overload.mjs";
import { openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";
import { PEER_LABEL, peerVersus, servePeer } from "./rate-limit-peer.mjs";

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
  // The peer (rate-limit-peer.mjs), same run: the binding keyed by tenant at each tenant's fair
  // rate, half of capacity for each of the two (the noisy tenant's quota rate under admission).
  const peer = await servePeer(tf, capacity / 2);
  ctx.log(`  ${PEER_LABEL} (${peer.limit} per ${peer.periodS} s per tenant): quiet ${quietRate} req/s + noisy ${noisyRate} req/s`);
  phases.peer = await openPhase({ origin: tf.origin, mix: combined("noisy-peer"), rate: quietRate + noisyRate, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000 });
  await pause(ctx.quick ? 500 : 2000);
  const q = (ph) => ph.groups.quiet, n = (ph) => ph.groups.noisy;
  const row = (label, ph) => [label, q(ph).ok.p50, q(ph).ok.p99, ratio(q(ph).ok.p99, q(phases.alone).ok.p99), q(ph).status.successPct, n(ph) ? n(ph).okSteady / ph.steadyS : NaN, n(ph)?.status.rateLimitedPct ?? NaN, n(ph)?.status.overloadedPct ?? NaN];
  return {
    id, title,
    tables: [{
      title: `Quiet tenant (${quietRate} req/s, light reads and writes) beside a noisy tenant offering ${noisyRate} req/s of heavy reads (4× capacity)`,
      headers: ["phase", "quiet p50 ms", "quiet p99 ms", "quiet p99 ÷ alone", "quiet success %", "noisy goodput req/s", "noisy 429 %", "noisy 503 %"],
      rows: [row("quiet alone", phases.alone), row("with noise, admission off", phases.off), row("with noise, admission on", phases.on), row(`with noise, ${PEER_LABEL}`, phases.peer)],
    }, peerVersus(
      `The issue's noisy-neighbour targets for admission off, on and the ${PEER_LABEL} (${peer.limit} per ${peer.periodS} s per tenant)`,
      quietTargets("on", phases.on, phases.alone).map((t, i) => ({ ...t, values: { off: quietTargets("off", phases.off, phases.alone)[i].value, on: t.value, [PEER_LABEL]: quietTargets("peer", phases.peer, phases.alone)[i].value } })),
      ["off", "on", PEER_LABEL],
      "on",
    )],
    targets: [...quietTargets("on", phases.on, phases.alone), ...quietTargets("peer", phases.peer, phases.alone)],
    notes: [
      `${PEER_LABEL}: ADMISSION_CONTROL=rate-limit-binding, the Workers Rate Limiting binding keyed by tenant at capacity/2 per tenant (${peer.limit} per ${peer.periodS} s), what a user would configure instead of admission control; its 429s are the "noisy 429 %".`,
      "\"quiet alone\" runs with admission on. Admission bounds what the noisy tenant may put on D1 (its quota: rate ≈ capacity/2, concurrency 4, queue 50), and the resource governor caps each tenant's concurrency at its fair share of the D1 budget; both tenants still share one D1 database and, locally, one workerd thread.",
    ],
    charts: charts({ phases }),
    data: { quietRate, noisyRate, noisyQuota, peer, phases: Object.fromEntries(Object.entries(phases).map(([k, ph]) => [k, { groups: ph.groups, goodput: ph.goodput, dropped: ph.dropped }])) },
  };
}

/** The targets for the quiet tenant in one phase: all of it served, p99 within 3× its p99 alone. */
function quietTargets(mode, ph, alone) {
  const label = mode === "peer" ? PEER_LABEL : `admission ${mode}`;
  const quiet = ph.groups.quiet;
  return [
    { id: `noisy.${mode}.quiet_served`, description: `noisy neighbour: quiet tenant 100 % served — ${label}`, value: quiet.status.successPct, op: ">=", threshold: 100, unit: "%" },
    { id: `noisy.${mode}.quiet_p99`, description: `noisy neighbour: quiet p99 ≤ 3× its p99 alone — ${label}`, value: ratio(quiet.ok.p99, alone.groups.quiet.ok.p99), op: "<=", threshold: 3, unit: "×" },
  ];
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ phases }) {
  // Runs saved before the peer existed have no peer phase.
  const shown = [["alone", phases.alone], ["noise, admission off", phases.off], ["noise, admission on", phases.on], [`noise, ${PEER_LABEL}`, phases.peer]].filter(([, ph]) => ph);
  return [{ kind: "bar", title: "Noisy neighbour: quiet tenant p99", yLabel: "ms", categories: shown.map(([name]) => name), series: [{ name: "quiet p99", values: shown.map(([, ph]) => ph.groups.quiet.ok.p99) }] }];
}
