// Scenario 7, chaos: at 2× capacity, each chaos fault of DESIGN.md section 10 in turn, with
// clients that retry 429/503 (after Retry-After), 409 "key in use" and timeouts, a write
// always with its own Idempotency-Key. Per fault: no write lost, duplicated or phantom (D1
// read directly afterwards, with the server stopped), every slot back once the phase is over,
// and every failure a problem+json whose status says whether to retry.
import { admissionState, auth, createTaskEntry, createTenant, metricsText, safeJson, UNLIMITED_RATE } from "./api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { backoffMs, settle, verdictOf } from "./chaos-check.ts";
import { queryD1 } from "./integrity.mjs";
import { checkIntegrity } from "./integrity-check.ts";
import { Ledger } from "./ledger.mjs";
import { measureCapacity, pause } from "./util.mjs";
import { createClient } from "../lib/http-client.mjs";
import { newHistogram, recordMs, summarize } from "../lib/histogram.mjs";
import { intendedSendMs, plannedSends, sendsDueBy, WeightedPicker } from "../lib/schedule.ts";

export const id = "chaos";
export const title = "7. Chaos: each fault at 2× capacity, retrying clients; writes, slots and answers";

const MULTIPLE = 2;
/** The tenant's quota never rate-limits; overload control, the faults and the clients act. */
const QUOTA = { rateLimit: UNLIMITED_RATE, timeoutMs: 30_000 };
/** Each attempt's deadline at the server; a grant's lease is this + 1 s, so a lost release frees its slot within ~4 s. */
const REQUEST_TIMEOUT_MS = 3000;
/** The client gives an attempt a little longer than the server's deadline. */
const ATTEMPT_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 8;
/** A logical request stops retrying this long after it was meant to start. */
const GIVE_UP_MS = 20_000;
const MAX_IN_FLIGHT = 1000;
/** How long after a phase the tenant's in-flight count may take to reach 0: the longest lease (deadline + 1 s) with room to spare. */
const DRAIN_LIMIT_MS = 10_000;

/**
 * The phases, one fault each. `share` of the attempts carry the fault (chosen by index, so the
 * same attempts carry it in every run): an evict on every attempt would reset the controller
 * hundreds of times a second, more than any real platform does.
 */
const PHASES = [
  { name: "none", headers: {}, share: 0 },
  { name: "d1-error-0.2", headers: { "x-fault-d1-error": "0.2" }, share: 1 },
  { name: "controller-evict", headers: { "x-fault-controller": "evict" }, share: 0.02 },
  { name: "controller-drop-release", headers: { "x-fault-controller": "drop-release" }, share: 0.1 },
  { name: "controller-unavailable", headers: { "x-fault-controller": "unavailable" }, share: 0.1 },
  { name: "monitor-down", headers: { "x-fault-monitor": "down" }, share: 1 },
];

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  // Titles start with "<runId>#chaos|", outside the integrity scenario's "<runId>|" prefix.
  const prefix = `${ctx.runId}#chaos`;
  await tf.serve(false);
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-chaos-${ctx.runId}`, QUOTA);

  // Capacity of the same mix, admission off, plain writes (no retries): 1× for this scenario.
  const capacityLedger = new Ledger(prefix);
  const capMix = [
    createTaskEntry({ name: "write", apiKey: tenant.apiKey, ledger: capacityLedger, phase: "capacity" }),
    { name: "read", path: "/v1/tasks?limit=5", headers: auth(tenant.apiKey), weight: 1 },
  ];
  const cap = await measureCapacity({ origin: tf.origin, mix: capMix, concurrency: [4, 16], durationMs: ctx.seconds(6, 2) * 1000, warmupMs: 500, ledger: capacityLedger, timeoutMs: 10_000 });
  const rate = Math.max(10, Math.round(cap.goodput * MULTIPLE));
  const durationMs = ctx.seconds(15, 4) * 1000;
  ctx.log(`  capacity ${cap.goodput.toFixed(0)} req/s (admission off, half writes); ${MULTIPLE}× = ${rate} logical req/s for ${durationMs / 1000}s per fault`);

  await tf.serve(true);
  const phases = [];
  for (const phase of PHASES) {
    const flushFailuresBefore = await flushFailures(tf);
    const sampler = sampleInflight(tf, tenant.id);
    const load = await chaosPhase({ origin: tf.origin, apiKey: tenant.apiKey, rate, durationMs, phase, tokenPrefix: `${prefix}|${phase.name}` });
    const peakInflight = await sampler.stop();
    const drain = await drainToZero(tf, tenant.id);
    const flushFailed = (await flushFailures(tf)) - flushFailuresBefore;
    phases.push({ phase: phase.name, load, peakInflight, drain, flushFailed });
    ctx.log(
      `  ${phase.name}: ${load.ops} requests, ${load.attempts} attempts, ${load.verdicts.success} ok, ${load.gaveUp} given up, ${load.verdicts.unexpected + load.verdicts.final} unexpected; in flight peak ${peakInflight}, ${drain.first} when the clients were done, ${drain.inflight} after ${drain.ms} ms`,
    );
  }

  // D1 as it is, read with the server stopped (not through the API under test).
  await tf.stop();
  const rows = queryD1(tf.persistTo, `SELECT title, id FROM tasks WHERE title LIKE '${prefix.replaceAll("'", "''")}|%'`);
  const capacityCheck = checkIntegrity(capacityLedger.answers, rows.filter((r) => r.title.startsWith(`${prefix}|capacity|`)));
  for (const p of phases) {
    const mine = rows.filter((r) => r.title.startsWith(`${prefix}|${p.phase}|`));
    const answers = new Map([...p.load.writes].map(([token, settled]) => [token, settled.answer]));
    const r = checkIntegrity(answers, mine);
    p.integrity = { rows: mine.length, created: r.created, lost: r.lost.length + r.mismatched.length, duplicated: r.duplicated.length + p.load.conflictingIds, phantom: r.phantom.length + r.failedWritten, unknownWritten: r.unansweredWritten, examples: [...r.lost, ...r.duplicated, ...r.phantom].slice(0, 3) };
  }

  const rowsOut = phases.map((p) => [
    p.phase, p.load.ops, p.load.writeOps, p.load.attempts, p.load.verdicts.success, p.load.retried503, p.load.retried429, p.load.retriedInUse, p.load.verdicts["no-answer"], p.load.gaveUp,
    p.load.verdicts.unexpected + p.load.verdicts.final, p.load.settled.p99, p.integrity.rows, p.integrity.lost, p.integrity.duplicated, p.integrity.phantom, p.peakInflight, p.drain.first, p.drain.inflight, p.drain.ms,
  ]);
  const targets = phases.flatMap((p) => {
    const f = p.phase;
    return [
      { id: `chaos.${f}.lost`, description: `${f}: zero lost writes (a 201 not in D1)`, value: p.integrity.lost, op: "==", threshold: 0, unit: "" },
      { id: `chaos.${f}.duplicated`, description: `${f}: zero duplicated writes (one key, two rows)`, value: p.integrity.duplicated, op: "==", threshold: 0, unit: "" },
      { id: `chaos.${f}.phantom`, description: `${f}: zero phantom writes (a row for a request answered with a failure)`, value: p.integrity.phantom, op: "==", threshold: 0, unit: "" },
      { id: `chaos.${f}.inflight`, description: `${f}: in flight back to 0 within ${DRAIN_LIMIT_MS / 1000} s of the phase (no leaked slot)`, value: p.drain.inflight, op: "==", threshold: 0, unit: "" },
      { id: `chaos.${f}.answers`, description: `${f}: every failure a problem+json whose status says retry (non-problem, 5xx other than 503, or a final 4xx)`, value: p.load.verdicts.unexpected + p.load.verdicts.final, op: "==", threshold: 0, unit: "" },
    ];
  });
  return {
    id, title,
    failed: phases.some((p) => p.integrity.lost + p.integrity.duplicated + p.integrity.phantom > 0) || capacityCheck.lost.length + capacityCheck.duplicated.length + capacityCheck.phantom.length > 0,
    tables: [{
      title: `Each fault at ${MULTIPLE}× capacity (${rate} logical req/s, half keyed POST /v1/tasks, half GET /v1/tasks), retrying clients`,
      headers: ["fault", "requests", "writes", "attempts", "2xx", "503 retried", "429 retried", "409 in-use retried", "no answer", "given up", "unexpected answers", "settle p99 ms", "rows in D1", "lost", "duplicated", "phantom", "peak in flight", "in flight, clients done", "in flight after drain", "drain ms"],
      rows: rowsOut,
    }],
    targets,
    notes: [
      `Capacity: ${cap.goodput.toFixed(0)} req/s, closed model, admission off, the same mix without keys; its ${capacityLedger.answers.size} writes were checked too: ${capacityCheck.lost.length} lost, ${capacityCheck.duplicated.length} duplicated, ${capacityCheck.phantom.length} phantom.`,
      `Faults ride on ${PHASES.map((p) => `${p.name}: ${p.share * 100} %`).join(", ")} of the attempts. Each attempt has X-Request-Timeout-Ms ${REQUEST_TIMEOUT_MS} and a client timeout of ${ATTEMPT_TIMEOUT_MS / 1000} s; a request is retried up to ${MAX_ATTEMPTS} attempts and ${GIVE_UP_MS / 1000} s after Retry-After (capped at 2 s, jittered) on 429, 503, 409 idempotency-key-in-use and no answer.`,
      "A write settles on its 201 if any attempt got one (every replay must name the same row), on 'unknown' if an attempt went unanswered, else on its last failure, which must have written nothing. Unknown outcomes that were written are not judged.",
      `Attempts that carried the fault: ${phases.filter((p) => p.phase !== "none").map((p) => `${p.phase} ${Object.entries(p.load.faultyVerdicts).filter(([, n]) => n > 0).map(([v, n]) => `${v} ${n}`).join(" / ")}`).join("; ")}.`,
      `503s by reason: ${phases.map((p) => `${p.phase} ${Object.entries(p.load.reasons503).map(([r, n]) => `${r} ${n}`).join(" / ") || "none"}`).join("; ")}.`,
      `Telemetry flush failures counted by the Worker per phase: ${phases.map((p) => `${p.phase} ${p.flushFailed}`).join(", ")}.`,
      `In flight (slots plus waiters): the tenant's admission state (GET /admin/tenants/:id/admission), sampled every 500 ms during the phase (peak), then polled every 200 ms once every client was done, up to ${DRAIN_LIMIT_MS / 1000} s.`,
    ],
    charts: [],
    data: phases.map(({ load: { writes: _w, ...load }, ...p }) => ({ ...p, load })),
  };
}

/** One phase: open-model arrivals, each a logical request retried by its own client loop. */
async function chaosPhase({ origin, apiKey, rate, durationMs, phase, tokenPrefix }) {
  const client = createClient({ origin, connections: MAX_IN_FLIGHT });
  const picker = new WeightedPicker([1, 1]);
  const total = plannedSends(rate, durationMs);
  const verdicts = { success: 0, retry: 0, "no-answer": 0, final: 0, unexpected: 0 };
  /** The same, for the attempts that carried the fault only. */
  const faultyVerdicts = { success: 0, retry: 0, "no-answer": 0, final: 0, unexpected: 0 };
  const writes = new Map();
  const settledHist = newHistogram();
  let attemptNo = 0, ops = 0, writeOps = 0, gaveUp = 0, dropped = 0, inFlight = 0, retried503 = 0, retried429 = 0, retriedInUse = 0;
  const statusCounts = {};
  /** 503s by the problem's `reason` (shed, queue_full, deadline, unavailable, database_unavailable). */
  const reasons503 = {};
  const unexpectedExamples = [];

  const attempt = async (request) => {
    const n = attemptNo++;
    const faulty = phase.share > 0 && (n * 7919) % 1000 < phase.share * 1000;
    const headers = { ...request.headers, ...(faulty ? phase.headers : {}) };
    const res = await client.send({ ...request, headers, readBody: true, timeoutMs: ATTEMPT_TIMEOUT_MS });
    const contentType = String(res.headers?.["content-type"] ?? "");
    const seen = { status: res.status, contentType, retryAfter: res.headers?.["retry-after"], body: contentType.includes("json") ? safeJson(res.body) : undefined };
    const verdict = verdictOf(seen);
    verdicts[verdict]++;
    if (faulty) faultyVerdicts[verdict]++;
    statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
    if (res.status === 503) reasons503[seen.body?.reason ?? "?"] = (reasons503[seen.body?.reason ?? "?"] ?? 0) + 1;
    if (verdict === "unexpected" || verdict === "final") {
      if (unexpectedExamples.length < 5) unexpectedExamples.push(`${request.method} ${res.status} ${String(res.body ?? "").slice(0, 120)}`);
    }
    return { seen, verdict };
  };

  const op = async (index, intended) => {
    const write = picker.next() === 0;
    const token = `${tokenPrefix}|${index}`;
    const base = auth(apiKey, undefined, { "x-request-timeout-ms": String(REQUEST_TIMEOUT_MS) });
    const request = write
      ? { method: "POST", path: "/v1/tasks", headers: { ...base, "content-type": "application/json", "idempotency-key": token }, body: JSON.stringify({ title: token, description: "chaos", priority: "medium" }) }
      : { method: "GET", path: "/v1/tasks?limit=5", headers: base };
    const attempts = [];
    ops++;
    if (write) writeOps++;
    for (let k = 1; ; k++) {
      const { seen, verdict } = await attempt(request);
      attempts.push({ status: seen.status, id: seen.status === 201 ? seen.body?.id : undefined });
      if (verdict !== "retry" && verdict !== "no-answer") break;
      if (k >= MAX_ATTEMPTS || performance.now() - intended > GIVE_UP_MS) {
        gaveUp++;
        break;
      }
      if (seen.status === 503) retried503++;
      else if (seen.status === 429) retried429++;
      else if (seen.status === 409) retriedInUse++;
      await pause(backoffMs(seen.retryAfter, k, Math.random()));
    }
    if (attempts.at(-1)?.status >= 200 && attempts.at(-1)?.status < 300) recordMs(settledHist, performance.now() - intended);
    if (write) writes.set(token, settle(attempts));
  };

  const pending = new Set();
  const start = performance.now() + 5;
  let issued = 0;
  while (issued < total) {
    const due = sendsDueBy(start, rate, performance.now(), total);
    while (issued < due) {
      const index = issued++;
      if (inFlight >= MAX_IN_FLIGHT) {
        dropped++;
        continue;
      }
      inFlight++;
      const p = op(index, intendedSendMs(start, rate, index)).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    if (issued < total) await pause(Math.min(Math.max(1, intendedSendMs(start, rate, issued) - performance.now()), 50));
  }
  // Every logical request ends by itself (attempts, timeouts and the give-up time are bounded).
  await Promise.allSettled([...pending]);
  await client.close();
  const conflictingIds = [...writes.values()].filter((s) => s.conflictingIds).length;
  return { ops, writeOps, attempts: attemptNo, verdicts, faultyVerdicts, statusCounts, reasons503, gaveUp, dropped, retried503, retried429, retriedInUse, settled: summarize(settledHist), writes, conflictingIds, unexpectedExamples };
}

/** Slots taken plus requests waiting, from the tenant's admission state document. */
async function inflightOf(tf, tenantId) {
  const state = await admissionState(tf, tenantId);
  return state.inflight + Object.values(state.queued ?? {}).reduce((a, b) => a + b, 0);
}

/** Samples in-flight every 500 ms until stopped; stop() resolves to the peak seen. */
function sampleInflight(tf, tenantId) {
  let running = true, peak = 0;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await inflightOf(tf, tenantId).catch(() => 0));
      await pause(500);
    }
  })();
  return { stop: async () => ((running = false), await loop, peak) };
}

/** Polls until nothing is in flight or waiting, or the limit passes. */
async function drainToZero(tf, tenantId) {
  const started = performance.now();
  const first = await inflightOf(tf, tenantId);
  let now = first;
  while (now > 0 && performance.now() - started < DRAIN_LIMIT_MS) {
    await pause(200);
    now = await inflightOf(tf, tenantId);
  }
  return { first, inflight: now, ms: Math.round(performance.now() - started) };
}

/** taskflow_telemetry_flush_failures_total from /metrics (the scrape flushes the answering isolate first). */
async function flushFailures(tf) {
  return sumMetric(await metricsText(tf), "taskflow_telemetry_flush_failures_total") ?? 0;
}
