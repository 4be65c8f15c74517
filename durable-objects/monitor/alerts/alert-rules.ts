/**
 * Every alert rule evaluated against the windows at one instant: SLO burn rates for
 * availability and latency, then the guards. Pure: windows, senders and the clock are inputs.
 */
import { availabilitySlo, evaluateBurnRates, latencySlo, type AlertCondition } from "./burn-rate";
import { p99Guard, shedGuard, silenceGuards, SHED_GUARD_MINUTES, type SourceState } from "./guards";
import type { MonitorConfig } from "../monitor-config";
import { sloCounts } from "../windows/traffic-stats";
import { floorTo, MINUTE, type Windows } from "../windows/windows";

export function evaluateAlertRules(windows: Windows, sources: Iterable<SourceState>, config: MonitorConfig, now: number): AlertCondition[] {
  const slos = [availabilitySlo(config.availabilityTarget), latencySlo(config.latencyTarget)];
  const burn = evaluateBurnRates(slos, (ms) => sloCounts(windows.bucketsIn(ms, now).buckets, config.latencyThresholdMs));
  // Guards judge closed minutes only: the current one is still filling.
  const closed = windows.minutes(SHED_GUARD_MINUTES + 1, now).filter((b) => b.start < floorTo(now, MINUTE));
  return [...burn, ...p99Guard(closed, config.p99ThresholdMs), ...shedGuard(closed, config.shedRatioThreshold), ...silenceGuards(sources, now)];
}
