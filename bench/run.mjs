#!/usr/bin/env node
// npm run bench [-- --quick] [--only ceiling,overhead,overload,noisy-neighbour,integrity]
//                [--path miniflare-direct|miniflare|wrangler-dev] [--client undici-pool|node-http|fetch]
//                [--worker-root <checkout>]   bundle the Worker from another checkout (default: this one)
//
// Starts the servers itself (127.0.0.1 only), runs the issue's five scenarios in one run and
// writes bench/results/<date>-<machine>[-quick].md, .svg and .json. Exits non-zero when the
// integrity check fails or a scenario could not run; targets that are not met are reported,
// not fatal (showing that admission OFF misses them is part of the point).
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, SERVING_PATHS } from "./lib/launcher.mjs";
import { describeMachine, machineLine, machineSlug, today } from "./lib/machine.mjs";
import { markdownReport } from "./lib/report.mjs";
import { svgDocument } from "./lib/svg-chart.ts";
import { textTable } from "./lib/format.mjs";
import { fmt } from "./lib/stats.ts";
import { Ledger } from "./scenarios/ledger.mjs";
import { Taskflow } from "./scenarios/taskflow.mjs";
import { SCENARIOS } from "./scenarios/all.mjs";

/** Measured on the reference machine (see bench/README.md): Miniflare with the user Worker
 * bound straight to the socket reaches ~75–90 % of bare workerd (which cannot host D1 or
 * DOs), ~3× Miniflare's entry worker, ~15–20× `wrangler dev`. Scenario 1 re-measures all
 * paths in every run. */
const DEFAULT_PATH = "miniflare-direct";

const { values: a } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    path: { type: "string", default: DEFAULT_PATH },
    client: { type: "string", default: "undici-pool" },
    out: { type: "string", default: join(ROOT, "bench", "results") },
    "worker-root": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (a.help) {
  console.log("usage: npm run bench [-- --quick] [--only ids] [--path miniflare-direct|miniflare|wrangler-dev]");
  process.exit(0);
}
if (!SERVING_PATHS.includes(/** @type {any} */ (a.path)) || a.path === "workerd") throw new Error(`--path must be one of miniflare-direct, miniflare, wrangler-dev`);
const only = a.only ? new Set(a.only.split(",")) : undefined;
const selected = SCENARIOS.filter((s) => !only || only.has(s.id));

const started = new Date();
const machine = describeMachine();
const log = (s) => process.stderr.write(`${s}\n`);
const runId = `${started.toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
const taskflow = new Taskflow({ servingPath: a.path, runId, log, workerRoot: a["worker-root"] });
/** @type {import("./scenarios/context.mjs").BenchContext} */
const ctx = { quick: a.quick, runId, servingPath: a.path, clientKind: a.client, log, seconds: (full, quick) => (a.quick ? quick : full), taskflow, ledger: new Ledger(runId), shared: {} };

console.log(`TaskFlow Edge benchmark${a.quick ? " (--quick)" : ""}, run ${runId}`);
console.log(`machine: ${machineLine(machine)}`);
console.log(`serving path: ${a.path}; client: ${a.client}; scenarios: ${selected.map((s) => s.id).join(", ")}\n`);

// Every run is bounded: a watchdog stops the servers and exits if the run overstays.
// Twelve scenarios: a quick run takes about 9 min on 2 cores, a full one about 35.
const budgetOverride = Number(process.env.BENCH_BUDGET_MIN);
const budgetMs = (Number.isFinite(budgetOverride) && budgetOverride > 0 ? budgetOverride : a.quick ? 15 : 60) * 60_000;
const results = [];
let running;
let stopping = false;
const watchdog = setTimeout(async () => {
  log(`\nbench exceeded its ${budgetMs / 60_000} min budget; stopping`);
  // Taken before the servers stop: the scenario cut short then fails, and no other may start.
  stopping = true;
  const done = results.slice();
  const cut = running;
  await taskflow.stop().catch(() => {});
  // The scenarios that finished are written all the same, the one cut short marked as such.
  if (cut) done.push(failedResult(cut, `stopped by the watchdog after the run's ${budgetMs / 60_000} min budget`));
  writeResults(done);
  process.exit(3);
}, budgetMs);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, async () => (await taskflow.stop().catch(() => {}), process.exit(130)));

function failedResult(scenario, error) {
  return { id: scenario.id, title: scenario.title, tables: [], targets: [], charts: [], notes: [], error: String(error).slice(0, 500), data: null };
}

try {
  for (const s of selected) {
    if (stopping) break;
    const t0 = performance.now();
    log(`== ${s.title}`);
    running = s;
    try {
      results.push(await s.run(ctx));
    } catch (err) {
      log(`   scenario ${s.id} failed: ${err?.stack ?? err}`);
      results.push(failedResult(s, err?.message ?? err));
    }
    running = undefined;
    log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
} finally {
  await taskflow.stop().catch(() => {});
  clearTimeout(watchdog);
}

// ---- results ----
const { evaluated, durationS, base } = writeResults(results);

function writeResults(results) {
  const durationS = (Date.now() - started.getTime()) / 1000;
  const base = `${today()}-${machineSlug(machine)}${a.quick ? "-quick" : ""}`;
  mkdirSync(a.out, { recursive: true });
  const command = `npm run bench${process.argv.length > 2 ? " -- " + process.argv.slice(2).join(" ") : ""}`;
  const charts = results.flatMap((r) => r.charts ?? []);
  const { markdown, evaluated } = markdownReport({ machine, command, started, durationS, quick: a.quick, servingPath: a.path, clientKind: a.client, results, chartFile: `${base}.svg` });
  writeFileSync(join(a.out, `${base}.md`), markdown);
  if (charts.length) writeFileSync(join(a.out, `${base}.svg`), svgDocument(charts));
  writeFileSync(join(a.out, `${base}.json`), JSON.stringify({ runId, started, durationS, quick: a.quick, command, machine, servingPath: a.path, client: a.client, targets: evaluated, results: results.map(({ charts: _c, ...r }) => r) }, (k, v) => (v instanceof Map ? Object.fromEntries(v) : v), 1) + "\n");
  log(`wrote ${relative(ROOT, join(a.out, base))}.{md,svg,json}`);
  return { evaluated, durationS, base };
}

for (const r of results) {
  console.log(`\n${r.title}${r.error ? `  — FAILED: ${r.error}` : ""}`);
  for (const t of r.tables) console.log(`${t.title}\n${textTable(t.headers, t.rows)}\n`);
}
console.log("\nTargets:");
for (const t of evaluated) console.log(`  ${t.status === "met" ? "MET    " : t.status === "not met" ? "NOT MET" : "n/a    "}  ${t.description}: ${fmt(t.value, 2)}${t.unit ? " " + t.unit : ""} (required ${t.op} ${t.threshold})`);
console.log(`\nwrote ${relative(ROOT, join(a.out, base))}.{md,svg,json} in ${durationS.toFixed(0)} s`);

// Integrity failures (the integrity scenario's, or chaos's per-fault write check) fail the run.
const integrityFailed = results.filter((r) => r.failed).map((r) => r.id);
const broken = results.filter((r) => r.error).map((r) => r.id);
if (integrityFailed.length) console.log(`INTEGRITY FAILED: ${integrityFailed.join(", ")}`);
if (broken.length) console.log(`scenarios that could not run: ${broken.join(", ")}`);
process.exit(integrityFailed.length || broken.length ? 1 : 0);
