/**
 * Guard alerts beside the SLOs: fast, blunt signals that something is off now.
 * - p99 latency above a threshold in each of the last 3 closed minutes;
 * - shed ratio above a threshold in each of the last 5 closed minutes;
 * - silence: an admission DO that was busy stopped reporting for 2 minutes, or isolates
 *   stopped sending telemetry for 2 minutes while admission DOs still saw traffic.
 * Quiet minutes never fire a latency or shed guard: no traffic is not a problem they judge.
 */
import type { Bucket } from "../windows/bucket";
import type { AlertCondition } from "./burn-rate";
import { SHED_OUTCOMES } from "../../contracts/telemetry";
import { SketchBuilder } from "../windows/sketch";
import { outcomeCounts, SERVED_OUTCOMES } from "../windows/traffic-stats";

export const P99_GUARD_MINUTES = 3;
export const SHED_GUARD_MINUTES = 5;
export const SILENCE_MS = 2 * 60_000;

function servedP99(b: Bucket): number | null {
  const s = new SketchBuilder();
  for (const e of Object.values(b.series)) if (SERVED_OUTCOMES.includes(e.outcome)) s.merge(e.latency);
  return s.count > 0 ? s.quantile(0.99) : null;
}

function shedRatio(b: Bucket): number | null {
  const o = outcomeCounts(Object.values(b.series));
  const total = Object.values(o).reduce((a, n) => a + n, 0);
  return total > 0 ? SHED_OUTCOMES.reduce((a, k) => a + o[k], 0) / total : null;
}

/** `closedMinutes`: the most recent closed minute buckets, oldest first. */
export function p99Guard(closedMinutes: Bucket[], thresholdMs: number): AlertCondition[] {
  const last = closedMinutes.slice(-P99_GUARD_MINUTES);
  if (last.length < P99_GUARD_MINUTES) return [];
  const p99s = last.map(servedP99);
  if (!p99s.every((p) => p !== null && p > thresholdMs)) return [];
  const worst = Math.max(...(p99s as number[]));
  return [
    {
      key: "guard:p99",
      rule: "p99_over_threshold",
      severity: "page",
      summary: `p99 latency above ${thresholdMs} ms for ${P99_GUARD_MINUTES} minutes (worst ${Math.round(worst)} ms)`,
      details: { thresholdMs, worstP99Ms: Math.round(worst), minutes: P99_GUARD_MINUTES },
    },
  ];
}

export function shedGuard(closedMinutes: Bucket[], threshold: number): AlertCondition[] {
  const last = closedMinutes.slice(-SHED_GUARD_MINUTES);
  if (last.length < SHED_GUARD_MINUTES) return [];
  const ratios = last.map(shedRatio);
  if (!ratios.every((r) => r !== null && r > threshold)) return [];
  const worst = Math.max(...(ratios as number[]));
  return [
    {
      key: "guard:shed",
      rule: "shed_ratio_over_threshold",
      severity: "page",
      summary: `more than ${threshold * 100}% of requests shed for ${SHED_GUARD_MINUTES} minutes (worst ${(worst * 100).toFixed(1)}%)`,
      details: { threshold, worstRatio: Math.round(worst * 10_000) / 10_000, minutes: SHED_GUARD_MINUTES },
    },
  ];
}

/** What the Monitor remembers about each sender, for silence detection. */
export interface SourceState {
  id: string;
  kind: "isolate" | "admission";
  tenant: string | null;
  lastSeen: number;
  /** Admission: had work in flight or queued at its last report, so it owes another report. */
  busy: boolean;
  /** Admission: its last report showed new admissions (traffic is flowing). */
  lastActiveAt: number | null;
}

export function silenceGuards(sources: Iterable<SourceState>, now: number): AlertCondition[] {
  const out: AlertCondition[] = [];
  let lastIsolate = Number.NEGATIVE_INFINITY;
  let lastAdmissionActivity = Number.NEGATIVE_INFINITY;
  for (const s of sources) {
    if (s.kind === "isolate") lastIsolate = Math.max(lastIsolate, s.lastSeen);
    else {
      if (s.lastActiveAt !== null) lastAdmissionActivity = Math.max(lastAdmissionActivity, s.lastActiveAt);
      if (s.busy && now - s.lastSeen >= SILENCE_MS) {
        out.push({
          key: `guard:silent:admission:${s.id}`,
          rule: "admission_silent",
          severity: "page",
          summary: `admission controller of tenant ${s.tenant ?? "?"} silent for ${Math.round((now - s.lastSeen) / 1000)} s with work in flight`,
          details: { source: s.id, tenant: s.tenant, lastSeen: s.lastSeen },
        });
      }
    }
  }
  if (now - lastAdmissionActivity < SILENCE_MS && now - lastIsolate >= SILENCE_MS) {
    out.push({
      key: "guard:silent:isolates",
      rule: "isolates_silent",
      severity: "page",
      summary: "admission controllers see traffic but no isolate has sent telemetry for 2 minutes",
      details: { lastIsolateBatch: Number.isFinite(lastIsolate) ? lastIsolate : null, lastAdmissionActivity },
    });
  }
  return out;
}
