// Open-model load: requests arrive at a constant rate whatever the server does, as real
// independent clients would. Latency is measured from each request's INTENDED send time
// (wrk2's correction for coordinated omission), recorded in HDR histograms per mix entry.
//
// When the client cannot issue a request (the in-flight cap is reached, the server having
// stopped answering), the request is counted as dropped rather than queued without bound:
// a dropped send is reported, never hidden, and is a sign the server (or the client) is
// saturated. The send-lag histogram (actual − intended send time) tells which: a large lag
// with few in flight means the load generator itself was starved of CPU.
import { newHistogram, recordMs, summarize } from "./histogram.mjs";
import { intendedSendMs, plannedSends, sendsDueBy, WeightedPicker } from "./schedule.ts";
import { breakdown } from "./stats.ts";

/**
 * @typedef {object} MixEntry
 * @property {string} name
 * @property {string} [method]                           default GET
 * @property {string | ((i: number) => string)} path    a path, or a factory given the request index
 * @property {Record<string,string> | ((i: number) => Record<string,string>)} [headers]  tenant key, X-Priority…
 * @property {(i: number) => unknown} [body]             JSON body factory
 * @property {number} [weight]                           positive integer, default 1
 * @property {boolean} [readBody]                        pass the body to onResponse (e.g. to collect created ids)
 * @property {string} [group]                            report label shared by entries (e.g. the request priority)
 *
 * @typedef {object} EntryResult
 * @property {string} name
 * @property {string | undefined} group
 * @property {number} sent
 * @property {number} dropped
 * @property {Record<string, number>} statusCounts
 * @property {import("hdr-histogram-js").Histogram} all        every answer (from intended send time)
 * @property {import("hdr-histogram-js").Histogram} ok         2xx only
 * @property {import("hdr-histogram-js").Histogram} rejected   429 and 503 only (how fast a shed request is answered)
 * @property {number} okSteady   2xx answers that completed inside the steady-state window (see below)
 * @property {number} degradedSteady  of those, answers marked X-Degraded (served from a snapshot, a capped page…)
 */

/** The first quarter of a run is ramp-up (no answers yet, queues filling): goodput is
 * counted over the rest of the send window only, so neither the empty start nor answers
 * trickling in after the last send (the drain) distort it. */
export const STEADY_FROM = 0.25;

/**
 * @param {object} o
 * @param {import("./http-client.mjs").HttpClient} o.client
 * @param {number} o.rate                 requests per second, all entries together
 * @param {number} o.durationMs
 * @param {MixEntry[]} o.mix
 * @param {number} [o.maxInFlight]        cap on outstanding requests; sends beyond it are dropped
 * @param {number} [o.timeoutMs]          per request
 * @param {number} [o.drainMs]            how long to wait for stragglers after the last send
 * @param {(entry: MixEntry, status: number, body: string | undefined, index: number) => void} [o.onResponse]
 * @param {(progress: {elapsedMs: number, sent: number, done: number, inFlight: number, dropped: number}) => void} [o.onProgress]
 */
export async function runOpenModel({ client, rate, durationMs, mix, maxInFlight = 2000, timeoutMs = 30_000, drainMs = 10_000, onResponse, onProgress }) {
  const total = plannedSends(rate, durationMs);
  const picker = new WeightedPicker(mix.map((e) => e.weight ?? 1));
  /** @type {EntryResult[]} */
  const results = mix.map((e) => ({ name: e.name, group: e.group, sent: 0, dropped: 0, statusCounts: {}, all: newHistogram(), ok: newHistogram(), rejected: newHistogram(), okSteady: 0, degradedSteady: 0 }));
  const sendLag = newHistogram();
  let issued = 0, done = 0, inFlight = 0, dropped = 0;
  /** @type {Set<Promise<void>>} */
  const pending = new Set();

  const start = performance.now() + 5; // a few ms of slack so index 0 is not already late
  const steadyFrom = start + STEADY_FROM * durationMs, steadyTo = start + durationMs;
  const fire = (index) => {
    const intended = intendedSendMs(start, rate, index);
    const k = picker.next();
    const entry = mix[k];
    const r = results[k];
    if (inFlight >= maxInFlight) {
      r.dropped++;
      dropped++;
      return;
    }
    const now = performance.now();
    recordMs(sendLag, Math.max(0, now - intended));
    r.sent++;
    inFlight++;
    const path = typeof entry.path === "function" ? entry.path(index) : entry.path;
    const headers = typeof entry.headers === "function" ? entry.headers(index) : entry.headers ?? {};
    const bodyValue = entry.body?.(index);
    const body = bodyValue === undefined ? undefined : JSON.stringify(bodyValue);
    const p = client
      .send({ method: entry.method ?? "GET", path, headers: body ? { "content-type": "application/json", ...headers } : headers, body, readBody: entry.readBody, timeoutMs })
      .then((res) => {
        const now = performance.now();
        const latency = now - intended;
        if (res.status >= 200 && res.status < 300 && now >= steadyFrom && now <= steadyTo) {
          r.okSteady++;
          if (res.headers?.["x-degraded"]) r.degradedSteady++;
        }
        r.statusCounts[res.status] = (r.statusCounts[res.status] ?? 0) + 1;
        recordMs(r.all, latency);
        if (res.status >= 200 && res.status < 300) recordMs(r.ok, latency);
        else if (res.status === 429 || res.status === 503) recordMs(r.rejected, latency);
        onResponse?.(entry, res.status, res.body, index, { latencyMs: latency, sentAtMs: intended - start, headers: res.headers });
      })
      .finally(() => {
        inFlight--;
        done++;
        pending.delete(p);
      });
    pending.add(p);
  };

  // The pacing loop: wake about every millisecond and issue every send that is due. A
  // timer cannot fire exactly on the grid; since latency counts from the grid, any lateness
  // is charged to the request (never hidden), and the send-lag figure shows how much of it
  // was the client's own doing.
  let lastProgress = start;
  while (issued < total) {
    const now = performance.now();
    const due = sendsDueBy(start, rate, now, total);
    while (issued < due) fire(issued++);
    if (onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      onProgress({ elapsedMs: now - start, sent: issued - dropped, done, inFlight, dropped });
    }
    if (issued < total) await sleepUntil(intendedSendMs(start, rate, issued));
  }
  const sendEnd = performance.now();

  // Bounded drain: every request has its own timeout too, so this only guards the clock.
  await Promise.race([Promise.allSettled([...pending]), sleep(drainMs)]);
  const elapsedMs = performance.now() - start;
  const unfinished = pending.size;

  return {
    rate, durationMs, planned: total, sent: total - dropped, dropped, unfinished,
    /** Seconds over which the sends were spread: the denominator for achieved rates. */
    sendWindowS: (sendEnd - start) / 1000,
    elapsedS: elapsedMs / 1000,
    steadyS: (steadyTo - steadyFrom) / 1000,
    sendLag: summarize(sendLag),
    entries: results,
  };
}

/** Totals over all entries, or over the entries of one group. */
export function aggregate(entries) {
  const all = newHistogram(), ok = newHistogram(), rejected = newHistogram();
  const statusCounts = {};
  let sent = 0, dropped = 0, okSteady = 0, degradedSteady = 0;
  for (const e of entries) {
    all.add(e.all); ok.add(e.ok); rejected.add(e.rejected);
    sent += e.sent; dropped += e.dropped; okSteady += e.okSteady; degradedSteady += e.degradedSteady;
    for (const [k, n] of Object.entries(e.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + n;
  }
  return { sent, dropped, okSteady, degradedSteady, statusCounts, status: breakdown(statusCounts), all: summarize(all), ok: summarize(ok), rejected: summarize(rejected) };
}

/** Per-group aggregates (e.g. per request priority), keyed by group (or entry name). */
export function byGroup(entries) {
  const groups = new Map();
  for (const e of entries) {
    const key = e.group ?? e.name;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(e);
  }
  return Object.fromEntries([...groups].map(([k, es]) => [k, aggregate(es)]));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function sleepUntil(t) {
  // Never spin: on 2 shared cores a busy-wait steals the server's CPU. Sleeping at least
  // one timer tick batches sends that fall due within ~1 ms; the lag this adds is charged
  // to latency (it counts from the intended time) and shows in the send-lag figure.
  return sleep(Math.min(Math.max(1, t - performance.now()), 50));
}
