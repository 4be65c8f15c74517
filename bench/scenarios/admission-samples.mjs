// A tenant's admission state sampled while a phase runs: what decides a regime (a lease or
// none, the load level, the limit, the governor's share), for scenarios' notes.
import { admissionState } from "./api.mjs";
import { sampleUntilStopped } from "../lib/sample-until-stopped.ts";

/** Samples a tenant's admission state every `everyMs` until stopped. */
export function sampleAdmission(tf, tenantId, everyMs) {
  return sampleUntilStopped(async () => {
    const state = await admissionState(tf, tenantId);
    const rtt = state.rtt ?? null;
    return { limit: state.limit, inflight: state.inflight, level: state.loadLevel, k: state.shards ?? 1, leaseSlots: state.leases?.slots ?? 0, share: state.share ?? null, shed: state.saturation?.shedLevel ?? 0, lagMs: state.saturation?.lagMs ?? null, rtt };
  }, everyMs);
}

/** "limit 1-20, lease slots 0-7, K up to 1, levels normal, governor share 9-50; each sample …". */
export function describeStates(states) {
  if (states.length === 0) return "no sample";
  const range = (key) => {
    const values = states.map((s) => s[key]).filter((v) => typeof v === "number");
    return values.length ? `${Math.min(...values)}-${Math.max(...values)}` : "n/a";
  };
  const each = states.map((s) => `${s.limit}/${s.inflight}/${s.leaseSlots}/${s.level[0]}${s.shed > 0 ? `/shed ${fmt(s.shed)}` : ""}${process.env.BENCH_SAMPLE_RTT ? ` [rtt ${fmt(s.rtt?.shortMs)}/${fmt(s.rtt?.longMs)}/${fmt(s.rtt?.minMs)} lag ${fmt(s.lagMs)}]` : ""}`).join(" ");
  return `limit ${range("limit")}, lease slots ${range("leaseSlots")}, K up to ${Math.max(...states.map((s) => s.k))}, levels ${[...new Set(states.map((s) => s.level))].join("/")}, governor share ${range("share")}; each sample limit/in flight/lease slots/level: ${each}`;
}

const fmt = (v) => (typeof v === "number" ? v.toFixed(1) : "-");
