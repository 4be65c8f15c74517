// Helpers shared by the TaskFlow scenarios.
import { runClosedModel } from "../lib/closed-model.mjs";
import { createClient } from "../lib/http-client.mjs";
import { FailureTally } from "../lib/failure-tally.mjs";
import { aggregate, byGroup, runOpenModel } from "../lib/open-model.mjs";
import { WeightedPicker } from "../lib/schedule.ts";

/** Turn an open-model mix into a closed-model request builder (same entries, same weights). */
export function mixRequests(mix) {
  const picker = new WeightedPicker(mix.map((e) => e.weight ?? 1));
  let i = 0;
  return () => {
    const index = i++;
    const entry = mix[picker.next()];
    const bodyValue = entry.body?.(index);
    const headers = typeof entry.headers === "function" ? entry.headers(index) : entry.headers ?? {};
    return {
      entry, index, method: entry.method ?? "GET", path: typeof entry.path === "function" ? entry.path(index) : entry.path,
      headers: bodyValue === undefined ? headers : { "content-type": "application/json", ...headers },
      body: bodyValue === undefined ? undefined : JSON.stringify(bodyValue), readBody: entry.readBody,
    };
  };
}

/**
 * Closed-model capacity of a mix: the best goodput (2xx per second) over a few
 * concurrencies. One fixed concurrency under-reads it when the server has more parallelism
 * than the clients keep busy, and 4× "capacity" would then not be 4× anything.
 */
export async function measureCapacity({ origin, mix, concurrency, durationMs, warmupMs, ledger, timeoutMs }) {
  const levels = Array.isArray(concurrency) ? concurrency : [concurrency];
  const client = createClient({ origin, connections: Math.max(...levels) });
  const steps = [];
  // One builder for all levels: request indices (and so write tokens) must never repeat.
  const request = mixRequests(mix);
  try {
    for (const c of levels) {
      const r = await runClosedModel({ client, concurrency: c, durationMs, warmupMs, timeoutMs, request, onResponse: ledger?.onResponse });
      steps.push({ concurrency: c, goodput: r.status.success / r.measuredS, rps: r.rps, latency: r.latency, status: r.status });
    }
  } finally {
    await client.close();
  }
  const best = steps.reduce((a, b) => (b.goodput > a.goodput ? b : a));
  return { ...best, steps };
}

/**
 * One open-model phase with its own connection pool; returns totals and per-group figures.
 * The pool may open as many connections as requests may be in flight: an open model stands
 * for many independent clients, and a smaller pool is a hidden closed-model cap. (With 256
 * connections for 2000 in flight, a 200 ms server hiccup at 1200 req/s filled the pool and
 * the client queued the rest itself: answers the server had produced in under 40 ms
 * (Server-Timing) reached the client after 0.5-1.4 s.)
 */
export async function openPhase({ origin, mix, rate, durationMs, ledger, timeoutMs, drainMs, maxInFlight = 1000, log, label, connections = maxInFlight, warmConnections = 0 }) {
  const client = createClient({ origin, connections });
  if (warmConnections > 0) await Promise.all(Array.from({ length: warmConnections }, () => client.send({ method: "GET", path: "/health", readBody: true })));
  const failures = new FailureTally();
  const onResponse = (...args) => {
    failures.record(...args);
    ledger?.onResponse(...args);
  };
  try {
    const r = await runOpenModel({
      client, rate, durationMs, mix, timeoutMs, drainMs, maxInFlight, onResponse,
      onProgress: log ? (p) => log(`    ${label}: ${(p.elapsedMs / 1000).toFixed(0)}s sent ${p.sent} done ${p.done} in flight ${p.inFlight} dropped ${p.dropped}`) : undefined,
    });
    const total = aggregate(r.entries);
    return {
      rate, planned: r.planned, sent: r.sent, sendWindowS: r.sendWindowS, dropped: r.dropped, unfinished: r.unfinished, sendLag: r.sendLag,
      // Steady-state goodput: 2xx answers completed in the last 3/4 of the send window.
      goodput: total.okSteady / r.steadyS, degradedGoodput: total.degradedSteady / r.steadyS, total, groups: byGroup(r.entries), steadyS: r.steadyS,
      failures: failures.counts, failuresText: failures.describe(),
      perEntry: Object.fromEntries(r.entries.map((e) => [e.name, aggregate([e])])),
    };
  } finally {
    await client.close(); // aborts anything still in flight after the bounded drain
  }
}

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));
