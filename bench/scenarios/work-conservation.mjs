// Scenario 8, work conservation: one tenant alone offers 2× the mix's capacity with
// admission and the resource governor on. Nobody else wants D1, so the governor must not
// keep any of it idle: goodput should stay ≥ 90 % of capacity (issue 11).
import { adminRequest } from "./api.mjs";
import { governorCapacity, governorMix, governorTenant } from "./governor-mix.mjs";
import { openPhase, pause } from "./util.mjs";
import { ratio } from "../lib/stats.ts";

export const id = "work-conservation";
export const title = "8. Work conservation: one tenant alone at 2× capacity";

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  const capacity = await governorCapacity(ctx);
  await tf.serve(true);
  const tenant = await governorTenant(ctx, "alone");
  const rate = Math.max(3, Math.round(2 * capacity));
  const dur = ctx.seconds(20, 6) * 1000, timeoutMs = ctx.quick ? 6000 : 10_000, drainMs = ctx.quick ? 3000 : 10_000;
  ctx.log(`  one tenant at ${rate} req/s (capacity ${capacity.toFixed(0)} req/s) for ${dur / 1000}s`);
  const phase = await openPhase({ origin: tf.origin, mix: governorMix({ apiKey: tenant.apiKey, ledger: ctx.ledger, phase: "alone", group: "alone" }), rate, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000 });
  const governor = await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor");
  await pause(ctx.quick ? 500 : 2000);
  const goodputPct = 100 * ratio(phase.goodput, capacity);
  const view = governor.json;
  const mine = (view?.tenants ?? []).find((t) => t.tenant === tenant.id);
  return {
    id, title,
    tables: [{
      title: `One tenant at ${rate} req/s (2× the mix's capacity of ${capacity.toFixed(1)} req/s), admission and governor on`,
      headers: ["goodput req/s", "goodput % of capacity", "p50 ms (2xx)", "p99 ms (2xx)", "429 %", "503 %", "budget", "tenant's cap"],
      rows: [[phase.goodput, goodputPct, phase.total.ok.p50, phase.total.ok.p99, phase.total.status.rateLimitedPct, phase.total.status.overloadedPct, view?.budget ?? NaN, mine?.cap ?? NaN]],
    }],
    targets: [{ id: "governor.work-conservation", description: "work conservation: one tenant alone at 2× capacity, goodput as % of capacity", value: goodputPct, op: ">=", threshold: 90, unit: "%" }],
    notes: [`Governor at the end of the phase: budget ${view?.budget ?? "?"} of ${view?.maxBudget ?? "?"}, contention ${view?.contention?.signal ?? "n/a"} (latency ${view?.contention?.latencyMs ?? "?"} ms over a ${view?.contention?.baselineMs ?? "?"} ms baseline).`],
    charts: [],
    data: { capacity, rate, goodput: phase.goodput, goodputPct, governor: view },
  };
}
