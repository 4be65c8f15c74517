#!/usr/bin/env node
// node bench/tools/rechart.mjs <result.json>…
//
// Redraws the SVG beside each saved result (an `npm run bench` run or an `npm run loadtest`
// sweep) from the figures in its JSON, without measuring again: after the chart code changes,
// committed charts can be brought up to date from the runs they belong to.
import { readFileSync, writeFileSync } from "node:fs";
import { svgDocument } from "../lib/svg-chart.ts";
import { sweepChart } from "../lib/sweep.mjs";
import { SCENARIOS } from "../scenarios/all.mjs";

/** A bench run's panels, rebuilt by each scenario from the `data` it saved. */
function benchPanels(run) {
  return run.results.flatMap((r) => {
    const scenario = SCENARIOS.find((s) => s.id === r.id);
    return !r.error && r.data && scenario && "charts" in scenario ? scenario.charts(r.data) : [];
  });
}

/** A loadtest sweep's panels, titled as loadtest.mjs titles them ("GET /v1/tasks"). */
function sweepPanels(sweep) {
  const [method, url] = sweep.target.split(" ");
  const { pathname, search } = new URL(url);
  return sweepChart(sweep.rows, `${method} ${pathname}${search}`);
}

function panelsOf(result) {
  if (Array.isArray(result.results)) return benchPanels(result);
  if (Array.isArray(result.rows) && typeof result.target === "string") return sweepPanels(result);
  throw new Error("neither a bench run (results[]) nor a loadtest sweep (rows[], target)");
}

const files = process.argv.slice(2);
if (files.length === 0 || files.includes("--help") || files.includes("-h")) {
  console.error("usage: node bench/tools/rechart.mjs bench/results/<run>.json…   (writes <run>.svg beside each)");
  process.exit(files.length === 0 ? 2 : 0);
}
for (const file of files) {
  if (!file.endsWith(".json")) throw new Error(`${file}: expected a .json result`);
  const panels = panelsOf(JSON.parse(readFileSync(file, "utf8")));
  if (panels.length === 0) {
    console.error(`${file}: no charts to draw`);
    continue;
  }
  const out = file.replace(/\.json$/, ".svg");
  writeFileSync(out, svgDocument(panels));
  console.error(`wrote ${out} (${panels.length} panels)`);
}
