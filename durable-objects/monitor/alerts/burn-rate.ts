/**
 * SLO burn-rate alerts, as in the Google SRE workbook ("Alerting on SLOs", multiwindow,
 * multi-burn-rate): a pair fires when both its long and its short window burn the error
 * budget faster than `factor` times the sustainable rate. The long window makes it
 * significant, the short one makes it stop soon after the problem does.
 */
import type { SloCounts } from "../windows/traffic-stats";

export type Severity = "page" | "ticket";

/** What a rule reports while its condition holds. `key` identifies the condition across evaluations. */
export interface AlertCondition {
  key: string;
  rule: string;
  severity: Severity;
  summary: string;
  details: Record<string, number | string | null>;
}

const HOUR = 3_600_000;
const MIN = 60_000;

export interface BurnWindowPair {
  name: string;
  longMs: number;
  shortMs: number;
  factor: number;
  severity: Severity;
}

/** Budget consumed: 2 % in 1 h, 5 % in 6 h (pages); 10 % in 1 d, 10 % in 3 d (tickets), for a 30-day budget. */
export const BURN_WINDOW_PAIRS: readonly BurnWindowPair[] = [
  { name: "1h/5m", longMs: HOUR, shortMs: 5 * MIN, factor: 14.4, severity: "page" },
  { name: "6h/30m", longMs: 6 * HOUR, shortMs: 30 * MIN, factor: 6, severity: "page" },
  { name: "1d/2h", longMs: 24 * HOUR, shortMs: 2 * HOUR, factor: 3, severity: "ticket" },
  { name: "3d/6h", longMs: 72 * HOUR, shortMs: 6 * HOUR, factor: 1, severity: "ticket" },
];

export interface Slo {
  name: "availability" | "latency";
  target: number;
  /** Bad and total events of a window. */
  events: (c: SloCounts) => { bad: number; total: number };
}

export const availabilitySlo = (target: number): Slo => ({ name: "availability", target, events: (c) => ({ bad: c.failed, total: c.valid }) });
export const latencySlo = (target: number): Slo => ({ name: "latency", target, events: (c) => ({ bad: c.slow, total: c.served }) });

/** Error ratio over the budget ratio; 0 with no traffic (silence is a different alert). */
export function burnRate(slo: Slo, counts: SloCounts): number {
  const { bad, total } = slo.events(counts);
  return total > 0 ? bad / total / (1 - slo.target) : 0;
}

/** `countsFor(windowMs)`: the SLO counts of the last `windowMs`. */
export function evaluateBurnRates(slos: readonly Slo[], countsFor: (windowMs: number) => SloCounts, pairs: readonly BurnWindowPair[] = BURN_WINDOW_PAIRS): AlertCondition[] {
  const memo = new Map<number, SloCounts>();
  const counts = (ms: number): SloCounts => {
    let c = memo.get(ms);
    if (!c) memo.set(ms, (c = countsFor(ms)));
    return c;
  };
  const firing: AlertCondition[] = [];
  for (const slo of slos) {
    for (const pair of pairs) {
      const long = burnRate(slo, counts(pair.longMs));
      const short = burnRate(slo, counts(pair.shortMs));
      if (long > pair.factor && short > pair.factor) {
        firing.push({
          key: `slo_burn:${slo.name}:${pair.name}`,
          rule: "slo_burn_rate",
          severity: pair.severity,
          summary: `${slo.name} SLO (${slo.target}) burning error budget ${long.toFixed(1)}x over ${pair.name} (threshold ${pair.factor}x)`,
          details: { slo: slo.name, target: slo.target, window: pair.name, factor: pair.factor, longBurn: round(long), shortBurn: round(short) },
        });
      }
    }
  }
  return firing;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
