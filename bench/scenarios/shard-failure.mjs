// Scenario 13, shard failure: one of a tenant's K shard controllers goes down under a steady
// priority mix. The target is lowered (50 calls/s) so 50 req/s (100 controller calls/s without
// isolate leases, plus the shards' lease renewals) runs the tenant on K >= 4; every
// Worker-to-controller call waits a simulated 20 ms, so one round trip shows in Server-Timing's
// queue time. X-Fault-Shard takes shard 1 down: the isolate should eject it on its first failed
// acquire and fail that request over once, so critical requests are still served and the calls
// per request rise by at most the share of requests that first hit the failed shard (its own
// count of refused acquires). Acquires the root answered are taken out first: a shard without a
// slot sends requests there at any time.
import { admissionState, auth, createTenant, metricsText, seedTasks } from "./api.mjs";
import { sumMetric } from "../lib/metric-samples.ts";
import { serverTimingMs } from "../lib/server-timing.ts";
import { openPhase, pause } from "./util.mjs";
import { createClient } from "../lib/http-client.mjs";
import { fmt, pct, ratio } from "../lib/stats.ts";

export const id = "shard-failure";
export const title = "13. Shard failure: one of K shards down under load (target lowered to 50 calls/s, 20 ms simulated RTT)";
const TARGET = 50;
const RTT_MS = 20;
/** HEALTH_CHECK_INTERVAL: short enough that the failure phase sees an ejection expire and the root's probe. */
const HEALTH_MS = 5000;
/** 100 calls/s from the Worker: K doubles past 70 % of K x 50 (4 at 70, 8 past 140, with renewals and the forecast's trend). */
const RATE = 50;
const MIN_K = 4;
const VICTIM = 1;
const PRIORITIES = [["critical", 2], ["high", 2], ["normal", 4], ["low", 2]];
/** 4x the load: refusals would be failover's doing, not the tenant's budget. */
const QUOTA = { rateLimit: { requests: 4 * RATE, windowMs: 1000, burst: 8 * RATE }, maxConcurrency: 64, minConcurrency: 32, queueSize: 1000, timeoutMs: 30_000 };
/** Server-Timing queue at or past these multiples of the RTT: the acquire took at least 2 (3) controller calls. */
const TWO_CALLS = 1.75, THREE_CALLS = 2.75;
/** How often the failed shard's refusals and the root's health map are read while it is down. */
const POLL_MS = 250;

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  await tf.serve(true, { ADMISSION_CONTROLLER_TARGET_RPS: String(TARGET), ISOLATE_LEASES: "off", SIMULATED_CONTROLLER_RTT_MS: String(RTT_MS), HEALTH_CHECK_INTERVAL: String(HEALTH_MS) });
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-shardfail-${ctx.runId}`, QUOTA);
  await seedTasks(tf.origin, tenant.apiKey, 50);
  const mix = PRIORITIES.map(([priority, weight]) => ({ name: priority, path: "/v1/tasks?limit=5", headers: auth(tenant.apiKey, priority), weight, group: priority }));
  const phase = (durationMs, onResponse) => openPhase({ origin: tf.origin, mix, rate: RATE, durationMs, timeoutMs: 10_000, drainMs: 3000, ledger: onResponse ? { onResponse } : undefined });

  // Warm up until the root runs K >= 4 (it decides once a second; hot-tenant reaches 4 within 10 s).
  let k = 1;
  for (let round = 0; round < 3 && k < MIN_K; round++) {
    await phase(ctx.seconds(15, 10) * 1000);
    k = (await admissionState(tf, tenant.id)).shards ?? 1;
  }
  ctx.log(`  ${RATE} req/s (${2 * RATE} controller calls/s) on K = ${k} shards`);

  // No pause between the phases: a shard idle for QUIET_MS (500 ms) gives its budget back, and
  // resuming would then measure that, not the failure. Acquires precede their answers, so a
  // scrape right after a phase's last answer counts all of its acquires.
  const baseRec = queueRecorder();
  const count0 = await callCounts(tf, tenant.id);
  const baseline = await phase(ctx.seconds(30, 10) * 1000, baseRec.onResponse);
  const count1 = await callCounts(tf, tenant.id);

  const faultAt = Date.now();
  const down = await faultRequest(tf, tenant.apiKey, `${VICTIM}=down`);
  if (down.status !== 200) throw new Error(`X-Fault-Shard: ${VICTIM}=down answered ${down.status}`);
  const refusedBefore = Number(down.headers["x-fault-shard-refused"] ?? 0);
  const failRec = queueRecorder();
  const leadMs = Date.now() - faultAt;
  // While the shard is down, every POLL_MS: its refused acquires so far (X-Fault-Shard: down again
  // answers with them; the poll is a critical read of its own) and whether the root's health map lists it.
  const polls = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const [probe, state] = await Promise.all([faultRequest(tf, tenant.apiKey, `${VICTIM}=down`), admissionState(tf, tenant.id).catch(() => null)]);
      const victim = victimOf(state);
      polls.push({
        t: Date.now() - faultAt, status: probe.status, refused: Number(probe.headers["x-fault-shard-refused"] ?? NaN) - refusedBefore, rootListed: victim?.healthy === false,
        // The failed shard's lease still holds root slots until its TTL: what the others cannot get meanwhile.
        rootLimit: state?.limit ?? NaN, leasedSlots: state?.sharding?.leased.slots ?? NaN, victimSlots: victim?.slots ?? NaN,
      });
      await pause(POLL_MS);
    }
  })();
  const failure = await phase(ctx.seconds(40, 15) * 1000, failRec.onResponse);
  polling = false;
  await poller;
  const count2 = await callCounts(tf, tenant.id);
  const root = count2.root;
  const up = await faultRequest(tf, tenant.apiKey, `${VICTIM}=up`);
  const refused = Number(up.headers["x-fault-shard-refused"] ?? NaN) - refusedBefore;

  // The requests of each window: the phase's, plus (with the shard down) the request that took it down and the polls.
  const baseWindow = window(baseline.sent, count0, count1);
  const failWindow = window(failure.sent + 1 + polls.length, count1, count2);
  const firstRefusal = polls.find((p) => p.refused >= 1);
  const rootListedAt = polls.find((p) => p.rootListed)?.t;
  const refusalsLater = polls.filter((p, i) => i > 0 && p.refused > polls[i - 1].refused && p !== firstRefusal).map((p) => p.t);
  const hitShare = refused / failWindow.requests;
  const data = {
    k, kAtFault: count1.root.shards ?? 1, kAfter: root.shards ?? 1, rootCallsPerSec: [count1.root.sharding?.callsPerSec ?? NaN, root.sharding?.callsPerSec ?? NaN], rate: RATE, rttMs: RTT_MS, healthMs: HEALTH_MS, leadMs, refused, hitShare,
    phases: [summary("baseline", baseline, baseRec, baseWindow), summary("one shard down", failure, failRec, failWindow)],
    shardsAfter: { baseline: count1.root.sharding?.shards ?? [], failure: root.sharding?.shards ?? [] },
    timeline: failRec.perSecond(leadMs),
    polls, firstRefusalMs: firstRefusal?.t ?? null, rootListedAtMs: rootListedAt ?? null, refusalsLaterMs: refusalsLater,
  };
  const critical = failure.groups.critical?.status;
  for (const p of data.phases) ctx.log(`  ${p.name}: ${p.acquiresPerRequest.toFixed(3)} acquires per request, critical ${fmt(p.byPriority.critical?.servedPct, 2)} % served`);
  ctx.log(`  shard ${VICTIM} refused ${refused} acquires; ${failWindow.shardExtra} acquire calls beyond one per request not answered by the root (baseline ${baseWindow.shardExtra})`);

  return {
    id, title,
    tables: [
      {
        title: "Latency by priority (2xx, from intended send time) and share served, with all shards up and with one down",
        headers: ["phase", "priority", "sent", "served %", "p50 ms", "p99 ms", "not 2xx"],
        rows: data.phases.flatMap((p) => PRIORITIES.map(([priority]) => {
          const g = p.byPriority[priority];
          return [p.name, priority, String(g?.sent ?? 0), fmt(g?.servedPct, 2), g?.p50 ?? NaN, g?.p99 ?? NaN, g?.notServed || "—"];
        })),
      },
      {
        title: `Acquire calls (taskflow_admission_controller_calls_total deltas), those the root answered (its decisions), and admission time in Server-Timing (queue; one call ≈ ${RTT_MS} ms)`,
        headers: ["phase", "requests", "acquire calls", "acquires / request", "answered by the root", "other calls beyond 1 / request", "queue p50 ms", "queue max ms", `queue ≥ ${TWO_CALLS}×RTT`, `queue ≥ ${THREE_CALLS}×RTT`],
        rows: data.phases.map((p) => [p.name, ...[p.requests, p.acquires].map(String), fmt(p.acquiresPerRequest, 4), ...[p.rootAcquires, p.shardExtra].map(String), p.queue.p50, p.queue.max, ...[p.queue.twoCalls, p.queue.threeCalls].map(String)]),
      },
      {
        title: "After the fault, per second: answers, admission time of 2+ and 3+ calls (Server-Timing queue), answers not 2xx",
        headers: ["s after fault", "answers", `queue ≥ ${TWO_CALLS}×RTT`, `queue ≥ ${THREE_CALLS}×RTT`, "not 2xx"],
        rows: data.timeline.map((row) => row.map(String)),
      },
    ],
    targets: [
      { id: "shardfail.critical", description: `one of K shards down: critical requests served (2xx)`, value: critical?.successPct, op: ">=", threshold: 99.9, unit: "%" },
      { id: "shardfail.extra", description: `failover costs at most one extra round trip: acquire calls beyond one per request, the root's answers aside, per request that first hit the failed shard (${failWindow.shardExtra} over ${refused})`, value: ratio(failWindow.shardExtra, refused), op: "<=", threshold: 1, unit: "calls" },
      { id: "shardfail.k", description: `precondition: the tenant ran K >= ${MIN_K} shards when one went down`, value: k, op: ">=", threshold: MIN_K, unit: "shards" },
    ],
    notes: [
      `One tenant at ${RATE} req/s open-model (critical, high, normal, low = 2 : 2 : 4 : 2, all GET /v1/tasks?limit=5), rate limit ${QUOTA.rateLimit.requests} req/s; ISOLATE_LEASES=off (every request asks a controller), ADMISSION_CONTROLLER_TARGET_RPS=${TARGET}, SIMULATED_CONTROLLER_RTT_MS=${RTT_MS}, HEALTH_CHECK_INTERVAL=${HEALTH_MS}, LOAD_BALANCER_ALGORITHM as shipped. K = ${k} at the baseline's start, ${data.kAtFault} when shard ${VICTIM} went down, ${data.kAfter} at the end; the root measured ${data.rootCallsPerSec.map((n) => fmt(n, 0)).join(" and ")} controller calls/s at the two (shards' lease renewals count too).`,
      `Shard ${VICTIM} went down by X-Fault-Shard (every call to it throws, as an overloaded object's would) ${leadMs} ms before the failure phase began; it refused ${refused} acquires in ${fmt(failure.sendWindowS, 0)} s (the answer to X-Fault-Shard: ${VICTIM}=up counts them), ${pct(refused, failWindow.requests).toFixed(2)} % of the phase's requests.`,
      `Acquire calls per request ${baseWindow.acquiresPerRequest.toFixed(4)} with all shards up, ${failWindow.acquiresPerRequest.toFixed(4)} with one down: a rise of ${(failWindow.acquiresPerRequest - baseWindow.acquiresPerRequest).toFixed(4)} against ${hitShare.toFixed(4)}, the share of requests that first hit the failed shard. Most calls beyond one per request are a shard without a slot answering not_serving and the request asking the root (${baseWindow.rootAcquires} and ${failWindow.rootAcquires} root answers): they vary by more than the failure adds, so the target counts the calls beyond one per request that the root did not answer. (A request whose isolate holds no fresh shard map goes to the root first, with no extra call, and would make that count low by one; the baseline, with no failure, came out at ${baseWindow.shardExtra}.)`,
      `Ejection: the isolate ejects a shard on its first failed call, for HEALTH_CHECK_INTERVAL. Read every ${POLL_MS} ms: the shard's first refusal came by ${fmt((data.firstRefusalMs ?? NaN) / 1000, 2)} s after the fault${refusalsLater.length ? `, later ones at ${refusalsLater.map((t) => `${(t / 1000).toFixed(1)} s`).join(", ")}` : ", and none after it"}; the root's health map listed it as failing ${rootListedAt === undefined ? "not before the phase ended" : `by ${(rootListedAt / 1000).toFixed(1)} s (it probes every ${HEALTH_MS / 1000} s on its alarm; the isolate then leaves it out whatever its own ejection says)`}. ${polls.length} polls (critical reads), ${polls.filter((p) => p.status === 200).length} served.`,
      `Not 2xx: ${data.phases.map((p) => `${p.name} ${p.failuresText}`).join("; ")}.`,
      `Server-Timing queue of 2+ calls' worth (≥ ${TWO_CALLS * RTT_MS} ms) is no failover count: ${data.phases[0].queue.twoCalls} answers of the baseline had it without any failure (queueing in a shard, redirects to the root, the 2 shared cores).`,
    ],
    charts: charts(data),
    data,
  };
}

/**
 * One window's acquire calls: all of them (the metric), those the root answered (its terminal
 * decisions: a queued acquire is counted once, when it is admitted or refused), and the calls
 * beyond one per request that no root answer explains (failovers, as the Worker retries once).
 */
function window(requests, from, to) {
  const acquires = to.calls.acquire - from.calls.acquire;
  const rootAcquires = to.rootAnswers - from.rootAnswers;
  return { requests, acquires, rootAcquires, acquiresPerRequest: acquires / requests, shardExtra: acquires - requests - rootAcquires };
}

/** The tenant's controller calls and its root's state, read together right after a phase. */
async function callCounts(tf, tenantId) {
  const [calls, root] = await Promise.all([controllerCalls(tf, tenantId), admissionState(tf, tenantId)]);
  // Decisions isolates took alone and reported to the root (leased admissions, throttle refusals) were no acquire.
  const byIsolates = (root.isolateDecisions?.admitted ?? 0) + (root.isolateDecisions?.shed ?? 0);
  const rootAnswers = Object.entries(root.decisions).reduce((n, [decision, count]) => (decision === "queued" ? n : n + count), 0) - byIsolates;
  return { calls, root, rootAnswers };
}

/** One phase's figures for the tables and `data`. */
function summary(name, load, rec, window) {
  const byPriority = Object.fromEntries(PRIORITIES.map(([priority]) => {
    const g = load.groups[priority];
    const notServed = Object.entries(g?.statusCounts ?? {}).filter(([s]) => !s.startsWith("2")).map(([s, n]) => `${s}×${n}`).join(" ");
    return [priority, { sent: g?.sent ?? 0, servedPct: g?.status.successPct ?? NaN, p50: g?.ok.p50 ?? NaN, p99: g?.ok.p99 ?? NaN, notServed }];
  }));
  return { name, ...window, byPriority, queue: rec.summary(), failuresText: load.failuresText };
}

/** Collects each answer's Server-Timing queue (the acquire's time, failover included) and send time. */
function queueRecorder() {
  const rows = [];
  return {
    onResponse(_entry, status, _body, _index, meta) {
      const queue = serverTimingMs(meta?.headers, "queue");
      if (queue !== undefined) rows.push({ t: meta.sentAtMs, queue, status });
      else if (status < 200 || status >= 300) rows.push({ t: meta?.sentAtMs ?? 0, queue: NaN, status });
    },
    /** Per second of the phase: answers, those that took 2+ and 3+ calls' worth of time, and those not 2xx. */
    perSecond(offsetMs) {
      const seconds = [];
      for (const r of rows) {
        const i = Math.max(0, Math.floor((r.t + offsetMs) / 1000));
        seconds[i] ??= [i, 0, 0, 0, 0];
        const row = seconds[i];
        row[1]++;
        if (r.queue >= TWO_CALLS * RTT_MS) row[2]++;
        if (r.queue >= THREE_CALLS * RTT_MS) row[3]++;
        if (r.status < 200 || r.status >= 300) row[4]++;
      }
      return seconds.filter(Boolean);
    },
    summary() {
      const sorted = rows.map((r) => r.queue).filter(Number.isFinite).sort((a, b) => a - b);
      return {
        count: sorted.length,
        p50: sorted[Math.floor(sorted.length / 2)] ?? NaN,
        max: sorted.at(-1) ?? NaN,
        twoCalls: sorted.filter((q) => q >= TWO_CALLS * RTT_MS).length,
        threeCalls: sorted.filter((q) => q >= THREE_CALLS * RTT_MS).length,
      };
    },
  };
}

/** A critical read carrying X-Fault-Shard; its answer counts the shard's refused acquires. */
async function faultRequest(tf, apiKey, fault) {
  const client = createClient({ origin: tf.origin, connections: 1 });
  try {
    return await client.send({ method: "GET", path: "/v1/tasks?limit=1", headers: auth(apiKey, "critical", { "x-fault-shard": fault }), readBody: true, timeoutMs: 30_000 });
  } finally {
    await client.close();
  }
}

/** The tenant's taskflow_admission_controller_calls_total by kind (the scrape flushes the answering isolate first). */
async function controllerCalls(tf, tenantId) {
  const text = await metricsText(tf);
  const calls = (kind) => sumMetric(text, "taskflow_admission_controller_calls_total", (l) => l.tenant === tenantId && l.kind === kind) ?? 0;
  return { acquire: calls("acquire"), release: calls("release"), renew: calls("renew") };
}

/** The failed shard's entry in the root's state (its `healthy` is the root's last probe). */
function victimOf(state) {
  return state?.sharding?.shards?.find((s) => s.id.endsWith(`#${VICTIM}`));
}

/** The scenario's chart panels from its `data` (also how bench/tools/rechart.mjs redraws a saved run). */
export function charts({ phases }) {
  const [base, fail] = phases;
  const at = (p, priority, key) => p.byPriority[priority]?.[key] ?? NaN;
  return [
    {
      kind: "bar",
      title: "Shard failure: latency by priority, all shards up against one down",
      yLabel: "ms",
      categories: PRIORITIES.map(([priority]) => priority),
      series: [
        { name: "p50, all up", values: PRIORITIES.map(([p]) => at(base, p, "p50")) },
        { name: "p50, one down", values: PRIORITIES.map(([p]) => at(fail, p, "p50")) },
        { name: "p99, all up", values: PRIORITIES.map(([p]) => at(base, p, "p99")) },
        { name: "p99, one down", values: PRIORITIES.map(([p]) => at(fail, p, "p99")) },
      ],
    },
  ];
}
