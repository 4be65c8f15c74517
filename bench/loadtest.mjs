#!/usr/bin/env node
// npm run loadtest -- --url http://127.0.0.1:8787 [--from 10 --to 200 --step 10]
//   [--duration-per-step 5] [--warmup 1] [--path /v1/tasks] [--method GET] [--body '{"title":"x"}']
//   [--header 'Authorization: Bearer …']… [--client undici-pool|node-http|fetch] [--out bench/results]
//
// The seed's concurrency sweep as a closed model. Prints a table on stdout (progress on
// stderr), writes <date>-<machine>-loadtest.json and .svg into the results folder. When most
// answers are 429/503 it says so under the table: the sweep then measured a quota or
// overload, not throughput.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { assertLoopback } from "./lib/http-client.mjs";
import { ROOT } from "./lib/launcher.mjs";
import { describeMachine, machineLine, machineSlug, today } from "./lib/machine.mjs";
import { textTable } from "./lib/format.mjs";
import { svgDocument } from "./lib/svg-chart.ts";
import { runSweep, sweepChart, sweepLevels, SWEEP_HEADERS, sweepRow } from "./lib/sweep.mjs";
import { refusalWarning, tallyRefusals } from "./lib/sweep-refusals.ts";

const { values: a } = parseArgs({
  options: {
    url: { type: "string" },
    from: { type: "string", default: "10" },
    to: { type: "string", default: "200" },
    step: { type: "string", default: "10" },
    "duration-per-step": { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    path: { type: "string" },
    method: { type: "string", default: "GET" },
    body: { type: "string" },
    header: { type: "string", multiple: true, default: [] },
    client: { type: "string", default: "undici-pool" },
    timeout: { type: "string", default: "30" },
    out: { type: "string", default: join(ROOT, "bench", "results") },
    help: { type: "boolean", short: "h" },
  },
});
if (a.help || !a.url) {
  console.error("usage: npm run loadtest -- --url http://127.0.0.1:8787[/path] [--from 10 --to 200 --step 10 --duration-per-step 5 --path /v1/tasks --header 'Authorization: Bearer …']");
  process.exit(a.help ? 0 : 2);
}

const url = new URL(a.url);
assertLoopback(url.origin);
const path = a.path ?? url.pathname + url.search;
const seconds = Number(a["duration-per-step"]);
if (!(seconds > 0 && seconds <= 600)) throw new Error("--duration-per-step must be in (0, 600] seconds");
const headers = Object.fromEntries(
  a.header.map((h) => {
    const i = h.indexOf(":");
    if (i < 1) throw new Error(`--header must look like 'Name: value', got ${h}`);
    return [h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim()];
  }),
);
if (a.body && !headers["content-type"]) headers["content-type"] = "application/json";
const levels = sweepLevels(Number(a.from), Number(a.to), Number(a.step));
const machine = describeMachine();

console.error(`loadtest ${a.method} ${url.origin}${path}: ${levels.length} steps × (${a.warmup}s warm-up + ${seconds}s), about ${Math.ceil((levels.length * (seconds + Number(a.warmup))) / 60)} min`);
console.error(`machine: ${machineLine(machine)}`);

const started = new Date();
const rows = await runSweep({
  origin: url.origin,
  levels,
  durationMs: seconds * 1000,
  warmupMs: Number(a.warmup) * 1000,
  timeoutMs: Number(a.timeout) * 1000,
  clientKind: a.client,
  request: () => ({ method: a.method, path, headers, body: a.body }),
  onStart: (c, i, n) => process.stderr.write(`[${i + 1}/${n}] ${c} clients… `),
  onStep: (r) => process.stderr.write(`${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, success ${r.successPct.toFixed(1)} %\n`),
});

console.log(textTable(SWEEP_HEADERS, rows.map(sweepRow)));
const refusals = tallyRefusals(rows);
const warning = refusalWarning(refusals, url.origin);
if (warning) {
  console.log(`\n${warning}`);
  // Progress goes to stderr: when stdout is redirected, the warning must still reach the terminal.
  if (!process.stdout.isTTY) console.error(`\n${warning}`);
}
mkdirSync(a.out, { recursive: true });
const base = join(a.out, `${today()}-${machineSlug(machine)}-loadtest`);
const result = { kind: "closed-model concurrency sweep", started: started.toISOString(), target: `${a.method} ${url.origin}${path}`, machine, client: a.client, secondsPerStep: seconds, warmupSeconds: Number(a.warmup), refusals, warning, rows };
writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + "\n");
writeFileSync(`${base}.svg`, svgDocument(sweepChart(rows, `${a.method} ${path}`)));
console.error(`wrote ${base}.json and ${base}.svg`);
