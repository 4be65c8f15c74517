// Scenario 14, budget accuracy: a tenant floods at 4x its rate limit through the real Worker,
// with isolate leases on, at the default controller target and with the target lowered so the
// flood's controller calls shard it further. Everything it gets admitted must fit in burst +
// rate x t of its one bucket, whatever holds the tokens (isolate leases, shard wallets), and come
// within 2 % of it; the root's in flight, sampled, never passes the highest limit it had within
// a shard lease's TTL (a limit that falls does not take back slots already granted or leased:
// shards give theirs back at their next renewal, within a shard lease's TTL).
import { admissionState, auth, createTenant, seedTasks } from "./api.mjs";
import { serverTimingMs } from "../lib/server-timing.ts";
import { openPhase, pause } from "./util.mjs";
import { sampleUntilStopped } from "../lib/sample-until-stopped.ts";

export const id = "budget-accuracy";
export const title = "14. Budget accuracy: a flood at 4x the rate limit, leases on, at the default and a lowered controller target";
const RATE = 100;
const BURST = 100;
const QUOTA = { rateLimit: { requests: RATE, windowMs: 1000, burst: BURST }, maxConcurrency: 64, minConcurrency: 16, queueSize: 1000, timeoutMs: 30_000 };
const FLOOD = 4;
const PHASES = [
  { name: "target 500 (default)", key: "default", vars: {} },
  // 429s answered by a controller are calls: at 400 req/s they pass 70 % of K x 50 and shard the tenant.
  { name: "target 50", key: "target50", vars: { ADMISSION_CONTROLLER_TARGET_RPS: "50" } },
];
const SAMPLE_MS = 250;
/**
 * How long a fallen limit may still be exceeded: a shard's lease TTL (SHARD_LEASE_TTL_MS in
 * durable-objects/admission/shard-budget.ts), within which every shard renews and gives back
 * slots past its share. The bench is a client of the Worker and imports none of its modules.
 */
const LIMIT_MEMORY_MS = 2000;

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  const tf = ctx.taskflow;
  const durationMs = ctx.seconds(60, 15) * 1000;
  const rows = [];
  const data = { phases: [] };
  const targets = [];
  for (const phase of PHASES) {
    await tf.serve(true, { ISOLATE_LEASES: "on", ...phase.vars });
    const tenant = await createTenant(tf.origin, tf.adminToken, `bench-budget-${phase.vars.ADMISSION_CONTROLLER_TARGET_RPS ?? "default"}-${ctx.runId}`, QUOTA);
    await seedTasks(tf.origin, tenant.apiKey, 20);
    await pause((1000 * BURST) / RATE + 1000); // the seeding spent tokens: the bucket is full again
    const mix = [{ name: "list", path: "/v1/tasks?limit=5", headers: auth(tenant.apiKey, "normal"), weight: 1, group: "normal" }];
    const sampler = sampleUntilStopped(async () => {
      const state = await admissionState(tf, tenant.id);
      // Where the root's in flight sits: slots leased to shards, to isolates, and its own grants (the rest).
      return { at: performance.now(), inflight: state.inflight, limit: state.limit, k: state.shards ?? 1, shardSlots: state.sharding?.leased?.slots ?? 0, isolateSlots: state.leases?.slots ?? 0 };
    }, SAMPLE_MS);
    const lastAdmission = lastAdmissionRecorder();
    const load = await openPhase({ origin: tf.origin, mix, rate: FLOOD * RATE, durationMs, timeoutMs: 10_000, drainMs: 3000, ledger: lastAdmission });
    const samples = await sampler.stop();
    const counts = load.total.statusCounts ?? {};
    const admitted = Object.entries(counts).filter(([status]) => status.startsWith("2")).reduce((sum, [, n]) => sum + n, 0);
    // Tokens the bucket can have let out from the first send to the last admission: it starts full.
    const windowS = Math.max(load.sendWindowS, lastAdmission.atMs / 1000);
    const allowed = BURST + RATE * windowS;
    const limitWithin = (s) => Math.max(...samples.filter((o) => o.at <= s.at && s.at - o.at <= LIMIT_MEMORY_MS).map((o) => o.limit));
    const over = samples.filter((s) => s.inflight > limitWithin(s));
    const overLimit = over.length;
    const maxK = Math.max(1, ...samples.map((s) => s.k));
    const ofAllowed = (100 * admitted) / allowed;
    data.phases.push({ name: phase.name, admitted, allowed, sendWindowS: load.sendWindowS, windowS, samples: samples.length, overLimit, over, maxK, counts });
    rows.push([phase.name, load.sent, load.sendWindowS, windowS, admitted, allowed, ofAllowed, maxK, samples.length, overLimit, load.failuresText]);
    const overText = over.slice(0, 5).map((s) => `in flight ${s.inflight} (shards ${s.shardSlots}, isolates ${s.isolateSlots}, root's own ${s.inflight - s.shardSlots - s.isolateSlots}) over limit ${limitWithin(s)} at K ${s.k}`).join("; ");
    ctx.log(`  ${phase.name}: ${admitted} admitted of ${allowed.toFixed(0)} allowed (${ofAllowed.toFixed(2)} %), K up to ${maxK}, ${overLimit} of ${samples.length} samples over the limit${overText ? `: ${overText}` : ""}`);
    targets.push(
      { id: `budget.never_above.${phase.key}`, description: `${phase.name}: admitted never above burst + rate × t (% of it)`, value: ofAllowed, op: "<=", threshold: 100, unit: "%" },
      { id: `budget.within.${phase.key}`, description: `${phase.name}: admitted within 2 % of burst + rate × t (% of it)`, value: ofAllowed, op: ">=", threshold: 98, unit: "%" },
      { id: `budget.inflight.${phase.key}`, description: `${phase.name}: root's in flight above the highest limit of the last ${LIMIT_MEMORY_MS / 1000} s (samples every ${SAMPLE_MS} ms)`, value: overLimit, op: "==", threshold: 0, unit: "" },
    );
  }
  return {
    id, title,
    tables: [{
      title: `Flood at ${FLOOD}× the rate limit (${RATE}/s, burst ${BURST}) for ${durationMs / 1000} s, isolate leases on`,
      headers: ["phase", "sent", "send window s", "t s", "admitted (2xx)", "burst + rate × t", "admitted % of it", "K up to", "state samples", `in flight > highest limit of ${LIMIT_MEMORY_MS / 1000} s`, "not 2xx (status reason × n)"],
      rows,
    }],
    targets,
    notes: [
      "t = from the first send to the last admission, at least the send window: a request sent near the end may take its token a little after the last send (the local thread is saturated by the flood). A 2xx answer's admission is taken as its answer's arrival less its Server-Timing db time, which is never earlier than the token was taken. Admitted = 2xx answers; the rest were 429 (the tenant's budget) or 503. The bucket is full when the flood starts (a pause after seeding).",
      "One Worker isolate serves locally (the property test test/unit/admission/isolate-leases.properties.test.ts runs up to 12 simulated isolates against one controller); the sharded phase spreads the tenant's tokens over K shard wallets and the isolate's lease.",
      `In flight is the root's (grants, isolate-lease slots and the slots leased to shards), read from GET /admin/tenants/:id/admission while the flood runs. It is held to the highest limit of the last ${LIMIT_MEMORY_MS / 1000} s: when the adaptive limit falls, what was granted under the higher one keeps its slot until it ends, and a shard's lease shrinks at its next renewal; what this catches is a grant beyond the limit of its time.`,
    ],
    data,
  };
}

/**
 * The latest moment any 2xx answer can have taken its token, from the phase's start: its
 * answer's arrival less the D1 time its Server-Timing reports (work after the grant).
 */
function lastAdmissionRecorder() {
  const recorder = {
    atMs: 0,
    onResponse(_entry, status, _body, _index, meta) {
      if (status < 200 || status >= 300 || !meta) return;
      const at = meta.sentAtMs + meta.latencyMs - (serverTimingMs(meta.headers, "db") ?? 0);
      if (at > recorder.atMs) recorder.atMs = at;
    },
  };
  return recorder;
}
