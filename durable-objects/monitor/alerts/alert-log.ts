/**
 * Turns the set of conditions firing now into alert records with a start and an end:
 * a condition that appears opens an alert, one that disappears closes it. Pure.
 */
import type { AlertCondition, Severity } from "./burn-rate";

export interface AlertRecord {
  /** `${key}@${startedAt}`: one record per firing episode. */
  id: string;
  key: string;
  rule: string;
  severity: Severity;
  summary: string;
  details: Record<string, number | string | null>;
  startedAt: number;
  endedAt: number | null;
  /** Last evaluation that saw it firing (summary/details are refreshed then). */
  updatedAt: number;
}

export interface AlertTransition {
  kind: "firing" | "resolved";
  alert: AlertRecord;
}

export interface Reconciled {
  active: AlertRecord[];
  transitions: AlertTransition[];
  /** Records whose fields changed (new, refreshed or closed): what to persist. */
  changed: AlertRecord[];
}

export function reconcile(active: readonly AlertRecord[], firing: readonly AlertCondition[], now: number): Reconciled {
  const byKey = new Map(active.map((a) => [a.key, a]));
  const next: AlertRecord[] = [];
  const transitions: AlertTransition[] = [];
  const changed: AlertRecord[] = [];
  for (const c of firing) {
    const open = byKey.get(c.key);
    if (open) {
      byKey.delete(c.key);
      const refreshed = { ...open, summary: c.summary, details: c.details, updatedAt: now };
      next.push(refreshed);
      changed.push(refreshed);
    } else {
      const started: AlertRecord = { id: `${c.key}@${now}`, key: c.key, rule: c.rule, severity: c.severity, summary: c.summary, details: c.details, startedAt: now, endedAt: null, updatedAt: now };
      next.push(started);
      changed.push(started);
      transitions.push({ kind: "firing", alert: started });
    }
  }
  for (const stale of byKey.values()) {
    const ended = { ...stale, endedAt: now, updatedAt: now };
    changed.push(ended);
    transitions.push({ kind: "resolved", alert: ended });
  }
  return { active: next, transitions, changed };
}
