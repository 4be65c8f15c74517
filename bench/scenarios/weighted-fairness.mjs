// Scenario 7, weighted fairness: three tenants with governor weights 1, 1 and 2 each offer
// 2× the mix's capacity at the same request priority. The resource governor splits the D1
// budget by weight, so the work served should split 1 : 1 : 2 (issue 11: each within ±10 %).
import { adminRequest } from "./api.mjs";
import { governorCapacity, governorMix, governorTenant } from "./governor-mix.mjs";
import { describeStates, sampleAdmission } from "./admission-samples.mjs";
import { openPhase, pause } from "./util.mjs";

export const id = "weighted-fairness";
export const title = "9. Weighted fairness: three tenants (weights 1, 1, 2), each at 2× capacity";
const WEIGHTS = { a: 1, b: 1, c: 2 };
const STATE_SAMPLE_MS = 2000;

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  const capacity = await governorCapacity(ctx);
  await tf.serve(true, { RESOURCE_GOVERNOR: "on" });
  const tenants = {};
  for (const [name, weight] of Object.entries(WEIGHTS)) tenants[name] = await governorTenant(ctx, `fair-${name}`, weight);
  const perTenant = Math.max(3, Math.round(2 * capacity));
  const dur = ctx.seconds(20, 6) * 1000, timeoutMs = ctx.quick ? 6000 : 10_000, drainMs = ctx.quick ? 3000 : 10_000;
  const mix = Object.entries(tenants).flatMap(([name, t]) => governorMix({ apiKey: t.apiKey, ledger: ctx.ledger, phase: `fair-${name}`, group: name }));
  ctx.log(`  3 tenants × ${perTenant} req/s (capacity ${capacity.toFixed(0)} req/s) for ${dur / 1000}s`);
  // Each tenant's state every 2 s: whether one is served through an isolate lease, at which level.
  const samplers = Object.entries(tenants).map(([name, t]) => [name, sampleAdmission(tf, t.id, STATE_SAMPLE_MS)]);
  const phase = await openPhase({ origin: tf.origin, mix, rate: 3 * perTenant, durationMs: dur, ledger: ctx.ledger, timeoutMs, drainMs, maxInFlight: 2000 });
  const states = Object.fromEntries(await Promise.all(samplers.map(async ([name, sampler]) => [name, await sampler.stop()])));
  const governor = await adminRequest(tf.origin, tf.adminToken, "GET", "/admin/governor");
  await pause(ctx.quick ? 500 : 2000);

  const served = Object.fromEntries(Object.keys(WEIGHTS).map((n) => [n, phase.groups[n]?.okSteady ?? 0]));
  const total = Object.values(served).reduce((s, v) => s + v, 0);
  const weightSum = Object.values(WEIGHTS).reduce((s, v) => s + v, 0);
  const rows = Object.entries(WEIGHTS).map(([n, w]) => {
    // Nothing served at all is every tenant missing its whole share (-100 %), not a target left out.
    const share = total > 0 ? served[n] / total : 0;
    const expected = w / weightSum;
    return [n, w, served[n] / phase.steadyS, 100 * share, 100 * expected, 100 * (share / expected - 1), phase.groups[n]?.status.successPct ?? NaN];
  });
  const worst = Math.max(...rows.map((r) => Math.abs(Number(r[5]))));
  const view = governor.json;
  return {
    id, title,
    tables: [{
      title: `Three tenants at ${perTenant} req/s each (2× the mix's capacity of ${capacity.toFixed(1)} req/s), one request priority; served share of the 2xx in the steady window`,
      headers: ["tenant", "weight", "goodput req/s", "served share %", "expected %", "deviation %", "success %"],
      rows,
    }],
    targets: [{ id: "fairness.weights", description: "weighted fairness (1 : 1 : 2 at 2× capacity each): largest deviation of a served share from its weight's share", value: worst, op: "<=", threshold: 10, unit: "%" }],
    notes: [
      ...Object.entries(states).map(([name, s]) => `Tenant ${name}'s admission state every ${STATE_SAMPLE_MS} ms: ${describeStates(s)}.`),
      `Governor at the end of the phase: budget ${view?.budget ?? "?"} of ${view?.maxBudget ?? "?"}, contention ${view?.contention?.signal ?? "n/a"}; shares ${(view?.tenants ?? []).filter((t) => Object.values(tenants).some((x) => x.id === t.tenant)).map((t) => `${t.weight}:${t.share}`).join(", ")} (weight:share).`,
    ],
    charts: charts({ rows }),
    data: { capacity, perTenant, served, rows, governor: view, goodput: phase.goodput, states },
  };
}

export function charts({ rows }) {
  return [{ kind: "bar", title: "Weighted fairness: served share vs weight's share", yLabel: "%", categories: rows.map((r) => `${r[0]} (w${r[1]})`), series: [{ name: "served", values: rows.map((r) => r[3]) }, { name: "expected", values: rows.map((r) => r[4]) }] }];
}
