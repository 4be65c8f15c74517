// The seed's concurrency sweep (10, 20, … 200 concurrent clients) as a closed model, one
// step after the other against the same server. Shared by `npm run loadtest` and the bench.
import { runClosedModel } from "./closed-model.mjs";
import { createClient } from "./http-client.mjs";

/** The concurrency levels from..to by step, bounded to 1000 steps. */
export function sweepLevels(from, to, step) {
  if (!(from >= 1 && to >= from && step >= 1)) throw new Error(`bad sweep ${from}..${to} step ${step}`);
  const levels = [];
  for (let c = from; c <= to && levels.length < 1000; c += step) levels.push(c);
  return levels;
}

/**
 * @param {{origin: string, levels: number[], durationMs: number, warmupMs: number,
 *   request: () => import("./http-client.mjs").OutgoingRequest, clientKind?: string, timeoutMs?: number,
 *   onStep?: (row: object, i: number, n: number) => void, onStart?: (c: number, i: number, n: number) => void}} o
 */
export async function runSweep({ origin, levels, durationMs, warmupMs, request, clientKind = "undici-pool", timeoutMs = 30_000, onStep, onStart }) {
  const rows = [];
  // One pool sized for the largest step: connections are opened once, not per step.
  const client = createClient({ kind: clientKind, origin, connections: Math.max(...levels) });
  try {
    for (const [i, concurrency] of levels.entries()) {
      onStart?.(concurrency, i, levels.length);
      const r = await runClosedModel({ client, concurrency, durationMs, warmupMs, request, timeoutMs });
      const row = {
        concurrency, requests: r.latency.count, rps: r.rps,
        mean: r.latency.mean, p50: r.latency.p50, p95: r.latency.p95, p99: r.latency.p99, max: r.latency.max,
        successPct: r.status.successPct, rateLimitedPct: r.status.rateLimitedPct, overloadedPct: r.status.overloadedPct,
        errors: r.status.transportErrors + r.status.otherErrors, statusCounts: r.statusCounts,
      };
      rows.push(row);
      onStep?.(row, i, levels.length);
    }
  } finally {
    await client.close();
  }
  return rows;
}

export const SWEEP_HEADERS = ["conc", "req", "rps", "mean ms", "p50 ms", "p95 ms", "p99 ms", "success %", "429 %", "503 %", "errors"];
export const sweepRow = (r) => [String(r.concurrency), String(r.requests), r.rps, r.mean, r.p50, r.p95, r.p99, r.successPct, r.rateLimitedPct, r.overloadedPct, String(r.errors)];

export function sweepChart(rows, title) {
  return [
    { kind: "line", title: `${title}: throughput`, xLabel: "concurrent clients", yLabel: "requests / s", series: [{ name: "rps", points: rows.map((r) => [r.concurrency, r.rps]) }] },
    {
      kind: "line", title: `${title}: latency`, xLabel: "concurrent clients", yLabel: "ms",
      series: ["p50", "p95", "p99"].map((p) => ({ name: p, points: rows.map((r) => [r.concurrency, r[p]]) })),
    },
    {
      kind: "line", title: `${title}: outcomes`, xLabel: "concurrent clients", yLabel: "% of requests",
      series: [["success %", "successPct"], ["429 %", "rateLimitedPct"], ["503 %", "overloadedPct"]].map(([name, k]) => ({ name, points: rows.map((r) => [r.concurrency, r[k]]) })),
    },
  ];
}
