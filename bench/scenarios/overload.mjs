// Scenario 3, overload: D1 is the real bottleneck. The low-priority share of the mix is
// heavy (text search, stats, big pages over a seeded table); critical and high requests
// are light writes and reads. Offered at 1×, 2×, 4× the measured capacity, admission off
// and on: does admission keep the important work fast and the goodput up?
import { auth, createTaskEntry, createTenant, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { measureCapacity, openPhase, pause } from "./util.mjs";
import { pct, ratio } from "../lib/stats.ts";
import { PEER_LABEL, PEER_MODE, peerVersus, servePeer } from "./rate-limit-peer.mjs";

export const id = "overload";
export const title = "3. Overload: 1×/2×/4× capacity with a priority mix";
export const MULTIPLES = [1, 2, 4];
export const PRIORITIES = ["critical", "high", "normal", "low"];
/** Phase keys per serving mode: admission off, on, and the peer (the rate-limit binding). */
const MODE_OF = { false: "off", true: "on", [PEER_MODE]: "peer" };
const MODES = ["off", "on", "peer"];
const modeLabel = (mode) => (mode === "peer" ? PEER_LABEL : mode);
/** Deadline 5 s: a request queued longer is answered 503 instead of run late. */
export const OVERLOAD_QUOTA = { rateLimit: UNLIMITED_RATE, queueSize: 500, timeoutMs: 5000 };
const WORDS = ["alpha", "delta", "hotel", "metro", "oscar", "kilo"];

/** The priority mix on one tenant (exported for the noisy-neighbour scenario and tests). */
export function overloadMix({ apiKey, ledger, phase }) {
  return [
    // low: the heavy share that saturates D1
    { name: "search", path: (i) => `/v1/tasks?q=${WORDS[i % WORDS.length]}&limit=100`, headers: auth(apiKey, "low"), weight: 3, group: "low" },
    { name: "stats", path: "/v1/tasks/stats", headers: auth(apiKey, "low"), weight: 2, group: "low" },
    { name: "big-page", path: "/v1/tasks?limit=100&status=pending", headers: auth(apiKey, "low"), weight: 2, group: "low" },
    // normal: an ordinary page
    { name: "page", path: "/v1/tasks?limit=20", headers: auth(apiKey, "normal"), weight: 1, group: "normal" },
    // high: a light read
    { name: "small-page", path: "/v1/tasks?limit=5", headers: auth(apiKey, "high"), weight: 1, group: "high" },
    // critical: a light write
    createTaskEntry({ name: "create", apiKey, priority: "critical", weight: 1, ledger, phase }),
  ];
}

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(false);
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-overload-${ctx.runId}`, OVERLOAD_QUOTA);
  const seeded = ctx.quick ? 4000 : 20_000;
  const t0 = performance.now();
  await seedTasks(tf.origin, tenant.apiKey, seeded, { onProgress: (n, of) => n % 2000 === 0 && ctx.log(`    seeded ${n}/${of}`) });
  ctx.log(`  seeded ${seeded} tasks in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  ctx.shared.heavyTenant = tenant;

  const dur = ctx.seconds(20, 4) * 1000, timeoutMs = ctx.quick ? 6000 : 10_000, drainMs = ctx.quick ? 3000 : 10_000;
  const cap = await measureCapacity({ origin: tf.origin, mix: overloadMix({ apiKey: tenant.apiKey, ledger: ctx.ledger, phase: "overload-cap" }), concurrency: [4, 16, 64, 256], durationMs: ctx.seconds(8, 2) * 1000, warmupMs: 500, ledger: ctx.ledger, timeoutMs });
  const capacity = cap.goodput;
  ctx.shared.capacity = capacity;
  ctx.log(`  capacity (admission off, closed model, best of ${cap.steps.map((x) => `${x.concurrency} clients: ${x.goodput.toFixed(0)}`).join(", ")} req/s): ${capacity.toFixed(1)} req/s goodput at ${cap.concurrency} clients`);
  ctx.shared.capacitySteps = cap.steps.map(({ concurrency, goodput, latency }) => ({ concurrency, goodput, p99: latency.p99 }));

  const phases = {};
  for (const admission of [false, true, PEER_MODE]) {
    const mode = MODE_OF[String(admission)];
    // The peer (rate-limit-peer.mjs) keys its binding by tenant at the tenant's fair rate: alone on the server, all of capacity.
    if (admission === PEER_MODE) ctx.log(`  peer: ${JSON.stringify(await servePeer(tf, capacity))}`);
    else await tf.serve(admission);
    const loads = [["unloaded", 0.1], ...MULTIPLES.map((m) => [`${m}x`, m])];
    for (const [label, m] of loads) {
      const rate = Math.max(3, Math.round(capacity * m));
      ctx.log(`  ${mode === "peer" ? PEER_LABEL : `admission ${mode}`}, ${label}: ${rate} req/s for ${dur / 1000}s`);
      phases[`${mode}-${label}`] = await openPhase({
        origin: tf.origin, mix: overloadMix({ apiKey: tenant.apiKey, ledger: ctx.ledger, phase: `overload-${mode}-${label}` }),
        rate, durationMs: label === "unloaded" ? Math.max(dur / 2, 3000) : dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000,
      });
      await pause(ctx.quick ? 500 : 2000); // let the previous phase's stragglers clear D1
    }
  }
  ctx.shared.overload = { capacity, phases };
  return report(ctx, capacity, cap.concurrency, phases);
}

/** Figures for one (mode, multiple): exported for unit tests of the arithmetic. */
export function phaseFigures(capacity, phase, unloaded) {
  const crit = phase.groups.critical;
  const critPlanned = (crit?.sent ?? 0) + (crit?.dropped ?? 0);
  const p99Ratio = Object.fromEntries(PRIORITIES.map((p) => [p, ratio(phase.groups[p]?.ok.p99, unloaded.groups[p]?.ok.p99)]));
  return {
    goodputPct: 100 * ratio(phase.goodput, capacity),
    criticalServedPct: pct(crit?.status.success ?? 0, critPlanned),
    p99Ratio,
    shedP99: phase.total.rejected.p99,
    rejectedPct: phase.total.status.rateLimitedPct + phase.total.status.overloadedPct,
    dropped: phase.dropped,
  };
}

function report(ctx, capacity, capConcurrency, phases) {
  const rows = [], figures = {};
  for (const mode of MODES) {
    const unloaded = phases[`${mode}-unloaded`];
    for (const m of MULTIPLES) {
      const ph = phases[`${mode}-${m}x`];
      const f = phaseFigures(capacity, ph, unloaded);
      figures[`${mode}-${m}x`] = f;
      rows.push([modeLabel(mode), `${m}×`, ph.rate, ph.goodput, ph.degradedGoodput ?? 0, f.goodputPct, f.criticalServedPct, ...PRIORITIES.map((p) => ph.groups[p]?.ok.p99), ...PRIORITIES.map((p) => f.p99Ratio[p]), f.shedP99, f.rejectedPct, ph.dropped]);
    }
  }
  const unloadedRows = MODES.map((mode) => [modeLabel(mode), ...PRIORITIES.map((p) => phases[`${mode}-unloaded`].groups[p]?.ok.p99)]);
  const target = (mode) => {
    const f = figures[`${mode}-4x`];
    const suffix = mode === "on" ? "" : mode === "peer" ? ` — ${PEER_LABEL} (the peer)` : " — admission OFF (expected to fail)";
    return [
      { id: `overload.${mode}.critical_served`, description: `4× overload: critical served ≥ 99.9 %${suffix}`, value: f.criticalServedPct, op: ">=", threshold: 99.9, unit: "%" },
      { id: `overload.${mode}.critical_p99`, description: `4× overload: critical p99 ≤ 2× its unloaded p99${suffix}`, value: f.p99Ratio.critical, op: "<=", threshold: 2, unit: "×" },
      { id: `overload.${mode}.goodput`, description: `4× overload: goodput ≥ 90 % of capacity${suffix}`, value: f.goodputPct, op: ">=", threshold: 90, unit: "%" },
      { id: `overload.${mode}.shed_p99`, description: `4× overload: shed answered in p99 ≤ 50 ms${suffix}`, value: f.shedP99, op: "<=", threshold: 50, unit: "ms" },
      // Issue 11: at exactly the capacity, admission should refuse almost nothing the server could do.
      { id: `overload.${mode}.goodput_1x`, description: `1× capacity: goodput ≥ 95 % of capacity${suffix}`, value: figures[`${mode}-1x`].goodputPct, op: ">=", threshold: 95, unit: "%" },
    ];
  };
  return {
    id, title,
    tables: [
      { title: "Unloaded p99 per request priority (0.1× capacity, 2xx, ms)", headers: ["admission", ...PRIORITIES], rows: unloadedRows },
      {
        title: `Overload (capacity ${capacity.toFixed(1)} req/s goodput: admission off, closed model, best at ${capConcurrency} clients)`,
        headers: ["admission", "load", "offered req/s", "goodput req/s", "of which degraded req/s", "goodput % cap", "critical served %", ...PRIORITIES.map((p) => `p99 ${p} ms`), ...PRIORITIES.map((p) => `p99 ${p} ÷ unloaded`), "shed p99 ms", "rejected %", "dropped"],
        rows,
      },
      peerVersus(
        `Overload, target by target: admission off, on and the ${PEER_LABEL} (the tenant's fair rate = capacity)`,
        target("on").map((t, i) => ({ ...t, values: Object.fromEntries(MODES.map((mode) => [modeLabel(mode), target(mode)[i].value])) })),
        MODES.map(modeLabel),
        "on",
      ),
    ],
    targets: [...target("on"), ...target("off"), ...target("peer")],
    notes: [
      "Mix on one tenant: low = 3 × text search (limit 100), 2 × stats, 2 × 100-row page; normal = 20-row page; high = 5-row page; critical = POST /v1/tasks. Latency from the intended send time; p99 per priority over 2xx answers.",
      `${PEER_LABEL}: ADMISSION_CONTROL=rate-limit-binding, the Workers Rate Limiting binding keyed by tenant with limit = capacity × its period (Miniflare counts in fixed windows aligned to the clock, so the whole window's budget goes in its first quarter at 4×); no priorities, costs, queue or deadlines. Its 429s count as rejected; its critical requests are refused like any other.`,
      "goodput = 2xx answers completed in the steady part of each phase (after the first quarter, before the last send) per second; \"of which degraded\" counts those marked X-Degraded (stats from a snapshot, a capped page), which are in goodput because graceful degradation is the designed answer under load. critical served % = critical 2xx ÷ critical requests the schedule called for (dropped sends count as not served). shed p99 = p99 time to a 429/503 answer.",
      `Not 2xx by status and reason: ${["on", "off", "peer"].flatMap((mode) => MULTIPLES.map((m) => `${modeLabel(mode)} ${m}×: ${phases[`${mode}-${m}x`].failuresText}`)).join("; ")}.`,
    ],
    charts: charts({ figures }),
    data: { capacity, capacitySteps: ctx.shared.capacitySteps, figures, statusCounts: Object.fromEntries(Object.entries(phases).map(([k, ph]) => [k, ph.total.statusCounts])), sendLag: Object.fromEntries(Object.entries(phases).map(([k, ph]) => [k, ph.sendLag])) },
  };
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ figures }) {
  // Runs saved before the peer existed have no peer figures.
  const modes = MODES.filter((mode) => figures[`${mode}-1x`]);
  const name = (mode) => (mode === "peer" ? PEER_LABEL : `admission ${mode}`);
  return [
    { kind: "bar", title: "Overload: goodput as % of capacity", yLabel: "% of capacity", categories: MULTIPLES.map((m) => `${m}×`), series: modes.map((mode) => ({ name: name(mode), values: MULTIPLES.map((m) => figures[`${mode}-${m}x`].goodputPct) })) },
    { kind: "bar", title: "Overload: critical p99 ÷ unloaded p99", yLabel: "×", categories: MULTIPLES.map((m) => `${m}×`), series: modes.map((mode) => ({ name: name(mode), values: MULTIPLES.map((m) => figures[`${mode}-${m}x`].p99Ratio.critical) })) },
  ];
}
