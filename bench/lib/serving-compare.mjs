// The serving-path comparison: the trivial Worker served every way, measured back to back
// with the same closed-model load, plus the cost of each HTTP client. Used by the ceiling
// scenario and by bench/tools/compare-serving.mjs.
import { createClient } from "./http-client.mjs";
import { runClosedModel } from "./closed-model.mjs";
import { runOpenModel } from "./open-model.mjs";
import { startServer } from "./launcher.mjs";
import { withCpu } from "./measure.mjs";

/**
 * Closed-model throughput of the trivial Worker on each path.
 * @param {{paths: string[], concurrency: number, durationMs: number, warmupMs: number, clientKind?: string, log?: (s: string) => void}} o
 */
export async function compareServingPaths({ paths, concurrency, durationMs, warmupMs, clientKind = "undici-pool", log = () => {} }) {
  const rows = [];
  for (const path of paths) {
    const server = await startServer({ path, worker: "trivial" });
    const client = createClient({ kind: clientKind, origin: server.url.replace(/\/$/, ""), connections: concurrency });
    try {
      const m = await withCpu(server, () => runClosedModel({ client, concurrency, durationMs, warmupMs, request: () => ({ method: "GET", path: "/" }) }));
      const r = m.result;
      const row = {
        path, startMs: server.startMs, concurrency, rps: r.rps, p50: r.latency.p50, p99: r.latency.p99, successPct: r.status.successPct,
        serverCpuS: m.serverCpuS, clientCpuS: m.clientCpuS, wallS: m.wallS,
        serverCpuUsPerReq: (1e6 * m.serverCpuS) / Math.max(1, r.latency.count),
        clientCpuUsPerReq: (1e6 * m.clientCpuS) / Math.max(1, r.latency.count),
      };
      rows.push(row);
      log(`  ${path.padEnd(17)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  server ${row.serverCpuUsPerReq.toFixed(0)} µs CPU/req  client ${row.clientCpuUsPerReq.toFixed(0)} µs CPU/req  (start ${Math.round(server.startMs)} ms)`);
    } finally {
      await client.close();
      await server.stop();
    }
  }
  return rows;
}

/**
 * Client CPU per request for each client kind at one fixed open-model rate against the same
 * server, so the only difference is the client. (At a fixed rate, not flat out: a faster
 * client would otherwise also pay for doing more requests.)
 * @param {{serverPath: string, kinds: string[], rate: number, durationMs: number, connections: number, log?: (s: string) => void}} o
 */
export async function compareClients({ serverPath, kinds, rate, durationMs, connections, log = () => {} }) {
  const server = await startServer({ path: serverPath, worker: "trivial" });
  const rows = [];
  try {
    for (const kind of kinds) {
      const client = createClient({ kind, origin: server.url.replace(/\/$/, ""), connections });
      try {
        // Warm the connections and the JIT first.
        await runOpenModel({ client, rate, durationMs: 1000, mix: [{ name: "warm", path: "/" }], maxInFlight: connections });
        const m = await withCpu(server, () => runOpenModel({ client, rate, durationMs, mix: [{ name: "get", path: "/" }], maxInFlight: connections }));
        const served = m.result.entries[0].all.totalCount;
        const row = {
          kind, rate, served, dropped: m.result.dropped,
          clientCpuUsPerReq: (1e6 * m.clientCpuS) / Math.max(1, served),
          serverCpuUsPerReq: (1e6 * m.serverCpuS) / Math.max(1, served),
          clientCpuPct: (100 * m.clientCpuS) / m.wallS,
          p50: m.result.entries[0].all.getValueAtPercentile(50) / 1000,
          p99: m.result.entries[0].all.getValueAtPercentile(99) / 1000,
        };
        rows.push(row);
        log(`  ${kind.padEnd(12)} ${row.clientCpuUsPerReq.toFixed(0).padStart(4)} µs client CPU/req (${row.clientCpuPct.toFixed(0)} % of a core)  server ${row.serverCpuUsPerReq.toFixed(0)} µs/req  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  dropped ${row.dropped}`);
      } finally {
        await client.close();
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}
