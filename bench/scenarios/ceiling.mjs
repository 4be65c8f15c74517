// Scenario 1, ceiling: the trivial Worker (200 "ok") on every serving path, back to back.
// The figure on the chosen path is the local physical limit every other scenario is read
// against; the other paths re-check, in every run, that the chosen path is still leanest.
import { compareServingPaths } from "../lib/serving-compare.mjs";
import { SERVING_PATHS } from "../lib/launcher.mjs";
import { ratio } from "../lib/stats.ts";

export const id = "ceiling";
export const title = "1. Ceiling: trivial Worker, every serving path";

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const paths = [ctx.servingPath, ...SERVING_PATHS.filter((p) => p !== ctx.servingPath)];
  const rows = await compareServingPaths({ paths, concurrency: 32, durationMs: ctx.seconds(8, 2) * 1000, warmupMs: ctx.seconds(1, 0.5) * 1000, clientKind: ctx.clientKind, log: ctx.log });
  const chosen = rows[0];
  ctx.shared.ceilingRps = chosen.rps;
  const notes = [`Closed model, 32 connections, ${ctx.clientKind} client, GET / on bench/fixtures/trivial-worker.js. CPU is per request, from /proc (server process tree) and process.cpuUsage (client).`];
  const better = rows.find((r) => r.path !== "workerd" && r.rps > chosen.rps * 1.1);
  if (better) notes.push(`⚠ ${better.path} beat the chosen path ${chosen.path} by more than 10 % in this run; consider --path ${better.path}.`);
  notes.push("bare workerd cannot serve the TaskFlow Worker (D1 and Durable Objects need Miniflare's plumbing); it is listed as the floor.");
  return {
    id, title, notes, targets: [],
    tables: [{
      title: "Serving paths (trivial Worker)",
      headers: ["path", "req/s", "× chosen", "p50 ms", "p99 ms", "server CPU µs/req", "client CPU µs/req", "start ms"],
      rows: rows.map((r) => [r.path + (r === chosen ? " (chosen)" : ""), r.rps, ratio(r.rps, chosen.rps), r.p50, r.p99, r.serverCpuUsPerReq, r.clientCpuUsPerReq, r.startMs]),
    }],
    charts: charts({ rows }),
    data: { rows },
  };
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ rows }) {
  return [{ kind: "bar", title: "Ceiling: trivial Worker throughput by serving path", yLabel: "requests / s", categories: rows.map((r) => r.path), series: [{ name: "req/s", values: rows.map((r) => r.rps) }] }];
}
