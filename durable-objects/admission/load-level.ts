import type { LoadLevel } from "../contracts/admission";

/**
 * The tenant's load level from utilisation and queue delay, with hysteresis.
 *
 * Queue delay is the age of the oldest waiter (how long the queue has been standing), in
 * units of the measured service time S so the same rule fits a 5 ms and a 500 ms workload:
 *
 *   normal     -> elevated    utilisation >= 0.9, or queue delay >= max(1 S, 10 ms)
 *   elevated   -> overloaded  queue delay >= max(4 S, 50 ms)            (a standing queue)
 *   overloaded -> elevated    queue delay <  max(2 S, 25 ms)
 *   elevated   -> normal      utilisation <  0.7 and queue delay < max(0.5 S, 5 ms)
 *
 * Up moves are immediate. A down move also needs the current level's entry condition to
 * have been absent for `holdMs` (1 s), so a burst that comes and goes does not flap the
 * level (and the degradations tied to it) on every request. One level per move.
 */

export interface LoadSignals {
  /** inflight / limit. */
  utilisation: number;
  /** Age of the oldest waiter, ms; 0 when the queue is empty. */
  queueDelayMs: number;
  /** Measured (or fallback) service time, ms. */
  serviceMs: number;
}

export interface LoadThresholds {
  elevatedUtilisation: number;
  normalUtilisation: number;
  /** Multiples of the service time, each with an absolute floor in ms. */
  elevatedDelay: { service: number; floorMs: number };
  normalDelay: { service: number; floorMs: number };
  overloadedDelay: { service: number; floorMs: number };
  calmDelay: { service: number; floorMs: number };
  holdMs: number;
}

export const LOAD_THRESHOLDS: LoadThresholds = {
  elevatedUtilisation: 0.9,
  normalUtilisation: 0.7,
  elevatedDelay: { service: 1, floorMs: 10 },
  normalDelay: { service: 0.5, floorMs: 5 },
  overloadedDelay: { service: 4, floorMs: 50 },
  calmDelay: { service: 2, floorMs: 25 },
  holdMs: 1000,
};

export class LoadLevelTracker {
  private currentLevel: LoadLevel = "normal";
  /** Last time the current level's entry condition held (or the level was entered). */
  private confirmedAt = -Infinity;

  constructor(private readonly thresholds: LoadThresholds = LOAD_THRESHOLDS) {}

  get level(): LoadLevel {
    return this.currentLevel;
  }

  update(signals: LoadSignals, now: number): LoadLevel {
    const t = this.thresholds;
    const delay = (rule: { service: number; floorMs: number }) => Math.max(rule.service * signals.serviceMs, rule.floorMs);
    const overloaded = signals.queueDelayMs >= delay(t.overloadedDelay);
    const elevated = overloaded || signals.utilisation >= t.elevatedUtilisation || signals.queueDelayMs >= delay(t.elevatedDelay);

    const target: LoadLevel = overloaded ? "overloaded" : elevated ? "elevated" : "normal";
    if (rank(target) >= rank(this.currentLevel)) {
      this.currentLevel = target;
      this.confirmedAt = now;
      return this.currentLevel;
    }
    const calm =
      this.currentLevel === "overloaded"
        ? signals.queueDelayMs < delay(t.calmDelay)
        : signals.utilisation < t.normalUtilisation && signals.queueDelayMs < delay(t.normalDelay);
    if (calm && now - this.confirmedAt >= t.holdMs) {
      this.currentLevel = this.currentLevel === "overloaded" ? "elevated" : "normal";
      this.confirmedAt = now;
    }
    return this.currentLevel;
  }
}

function rank(level: LoadLevel): number {
  return level === "normal" ? 0 : level === "elevated" ? 1 : 2;
}
