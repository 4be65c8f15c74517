/**
 * Admission snapshots carry counters since the sending instance started; the Monitor needs
 * what happened since the previous snapshot. A new `startedAt` is a restarted instance
 * whose counters began again at zero, so its whole count is new.
 */
import { REQUEST_PRIORITIES } from "../../contracts/admission";
import type { AdmissionSnapshot } from "../../contracts/telemetry";

export function decisionDeltas(previous: AdmissionSnapshot | undefined, next: AdmissionSnapshot): AdmissionSnapshot["decisions"] {
  const restarted = !previous || previous.startedAt !== next.startedAt;
  const out = {} as AdmissionSnapshot["decisions"];
  for (const p of REQUEST_PRIORITIES) {
    const now = next.decisions[p];
    const before = restarted ? undefined : previous.decisions[p];
    out[p] = Object.fromEntries(Object.entries(now).map(([d, n]) => [d, Math.max(0, n - (before?.[d as keyof typeof now] ?? 0))])) as AdmissionSnapshot["decisions"][typeof p];
  }
  return out;
}

/** Whether the snapshot shows traffic since the previous one (any decision at all). */
export const sawTraffic = (deltas: AdmissionSnapshot["decisions"]): boolean =>
  REQUEST_PRIORITIES.some((p) => Object.values(deltas[p]).some((n) => n > 0));

export const isBusy = (s: AdmissionSnapshot): boolean => s.inflight > 0 || REQUEST_PRIORITIES.some((p) => (s.queued[p] ?? 0) > 0);
