// Scenario 8, work conservation: one tenant alone offers 2× the mix's capacity with
// admission on, the resource governor off and then on (RESOURCE_GOVERNOR, same run). Nobody
// else wants D1, so the governor must not keep any of it idle: goodput should stay ≥ 90 % of
// capacity (issue 11), and at least what admission alone serves.
import { adminRequest } from "./api.mjs";
import { governorCapacity, governorMix, governorTenant } from "./governor-mix.mjs";
import { openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";

export const id = "work-conservation";
export const title = "10. Work conservation: one tenant alone at 2× capacity";

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  const capacity = await governorCapacity(ctx);
  const rate = Math.max(3, Math.round(2 * capacity));
  const dur = ctx.seconds(20, 6) * 1000, timeoutMs = ctx.quick ? 6000 : 10_000, drainMs = ctx.quick ? 3000 : 10_000;
  const phases = {};
  for (const governor of ["off", "on"]) {
    await tf.serve(true, { RESOURCE_GOVERNOR: governor });
    const tenant = await governorTenant(ctx, `alone-${governor}`);
    ctx.log(`  governor ${governor}: one tenant at ${rate} req/s (capacity ${capacity.toFixed(0)} req/s) for ${dur / 1000}s`);
    const phase = await openPhase({ origin: tf.origin, mix: governorMix({ apiKey: tenant.apiKey, ledger: ctx.ledger, phase: `alone-${governor}`, group: "alone" }), rate, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000 });
    const view = (await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor")).json;
    phases[governor] = { phase, view, cap: (view?.tenants ?? []).find((t) => t.tenant === tenant.id)?.cap ?? NaN };
    await pause(ctx.quick ? 500 : 2000);
  }
  const pctOf = (g) => 100 * ratio(phases[g].phase.goodput, capacity);
  const row = (g) => {
    const { phase, view, cap } = phases[g];
    return [`admission on, governor ${g}`, phase.goodput, pctOf(g), phase.total.ok.p50, phase.total.ok.p99, phase.total.status.rateLimitedPct, phase.total.status.overloadedPct, g === "on" ? view?.budget ?? NaN : "—", g === "on" ? cap : "—"];
  };
  const on = phases.on.view;
  return {
    id, title,
    tables: [{
      title: `One tenant at ${rate} req/s (2× the mix's capacity of ${capacity.toFixed(1)} req/s)`,
      headers: ["phase", "goodput req/s", "goodput % of capacity", "p50 ms (2xx)", "p99 ms (2xx)", "429 %", "503 %", "budget", "tenant's cap"],
      rows: [row("off"), row("on")],
    }],
    targets: [
      { id: "governor.work-conservation", description: "work conservation: one tenant alone at 2× capacity, goodput as % of capacity (governor on)", value: pctOf("on"), op: ">=", threshold: 90, unit: "%" },
      { id: "governor.work-conservation-vs-off", description: "work conservation: goodput with the governor on ÷ off, same run", value: ratio(phases.on.phase.goodput, phases.off.phase.goodput), op: ">=", threshold: 0.9, unit: "×" },
    ],
    notes: [`Governor at the end of its phase: budget ${on?.budget ?? "?"} of ${on?.maxBudget ?? "?"}, latency ÷ baseline ${on?.contention?.signal ?? "n/a"} (${on?.contention?.latencyMs ?? "?"} ms over ${on?.contention?.baselineMs ?? "?"} ms), ${on?.contention?.d1Concurrency ?? "?"} queries in D1 at once.`],
    charts: [],
    data: { capacity, rate, phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, { goodput: v.phase.goodput, goodputPct: pctOf(k), status: v.phase.total.status, governor: v.view }])) },
  };
}
