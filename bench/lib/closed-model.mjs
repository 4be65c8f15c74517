// Closed-model load: N virtual users, each sending its next request as soon as the previous
// one is answered (the seed's concurrency sweep). Throughput is whatever the server allows,
// so this model cannot show queueing delay the way an open model does; it answers "how
// many requests per second at N concurrent clients", which is what the seed claimed.
import { newHistogram, recordMs, summarize } from "./histogram.mjs";
import { breakdown } from "./stats.ts";

/**
 * @param {object} o
 * @param {import("./http-client.mjs").HttpClient} o.client
 * @param {number} o.concurrency
 * @param {number} o.durationMs
 * @param {() => import("./http-client.mjs").OutgoingRequest & {entry?: any, index?: number}} o.request
 *   builds each request; `entry` and `index` are handed back to onResponse untouched
 * @param {(entry: any, status: number, body: string | undefined, index: number | undefined) => void} [o.onResponse]
 * @param {number} [o.warmupMs]        answers during warm-up are not recorded
 * @param {number} [o.maxRequests]     hard cap per step, whatever the duration
 * @param {number} [o.timeoutMs]
 */
export async function runClosedModel({ client, concurrency, durationMs, request, onResponse, warmupMs = 0, maxRequests = 5_000_000, timeoutMs = 30_000 }) {
  const histogram = newHistogram();
  /** @type {Record<string, number>} */
  const statusCounts = {};
  const t0 = performance.now();
  const recordFrom = t0 + warmupMs;
  const stopAt = recordFrom + durationMs;
  let started = 0;

  async function virtualUser() {
    while (performance.now() < stopAt && started < maxRequests) {
      started++;
      const sentAt = performance.now();
      const { entry, index, ...req } = request();
      const res = await client.send({ ...req, timeoutMs });
      const end = performance.now();
      onResponse?.(entry, res.status, res.body, index);
      if (sentAt < recordFrom) continue;
      recordMs(histogram, end - sentAt);
      statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, virtualUser));
  const measuredS = (performance.now() - recordFrom) / 1000;
  const latency = summarize(histogram);
  return { concurrency, measuredS, rps: latency.count / measuredS, latency, statusCounts, status: breakdown(statusCounts) };
}
