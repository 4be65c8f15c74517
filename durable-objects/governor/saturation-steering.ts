/**
 * Weighted fairness where the bottleneck is a shared thread rather than D1's concurrency (the
 * local runtime, or controllers sharing an isolate): there the governor's concurrency caps never
 * bind, each controller's saturation shedder decides who is served, and all of them read the
 * same lag, so alone they serve every busy tenant alike whatever its weight.
 *
 * Once a tick the governor splits the rate the fleet admits (smoothed over a few ticks, since a
 * shed level that swings makes one second's rate noisy) into weighted max-min fair rates by
 * what each tenant wanted admitted (admitted + shed), and moves each shed tenant's pass scale
 * (saturation-shedder.ts multiplies its chance of passing by it) by half the ratio fair ÷
 * admitted, in logs: a tenant served at half its fair rate has its scale raised by √2. The
 * scales of the shed tenants are then centred on 1 (their logs on 0): they say who goes first,
 * the level says how much goes in all, so a tenant alone, or the only one being shed, gets 1
 * and work conservation is untouched. A tenant not being shed has its log halved back toward 0.
 * Multiplying the pass chance (rather than moving the level) keeps the served rates in
 * proportion to the scales: a shift of the level swings the share of whoever is near the edge
 * of a class from nothing to everything, and the shares then took turns. Pure.
 */
import { fairShares } from "./fair-share";
import { finite } from "../admission/finite";
import { MAX_PASS_SCALE } from "../admission/saturation-shedder";
import { sum } from "../numeric/sum";

export interface SteeringInput {
  tenant: string;
  admittedPerSec: number;
  /** Admitted + shed for saturation, req/s (never under admittedPerSec). */
  wantedPerSec: number;
  weight: number;
  /** Whether its report is of the last interval (a tenant that went quiet a moment ago is not being refused now). Absent: fresh. */
  fresh?: boolean;
}

/** Weight of the newest tick in the smoothed rates. */
const SMOOTHING = 0.5;
/** The log2 of the scale moves by this times log2(fair ÷ admitted) per step. */
const GAIN = 0.5;
const MAX_LOG_SCALE = Math.log2(MAX_PASS_SCALE);
/** A tenant counts as shed when it wanted this much more than it was admitted (and at least one request a second). */
const SHED_MARGIN = 0.05;
/** Admitted above this multiple of its fair rate while another is refused, a tenant is over-served. */
const OVER_SERVED_RATIO = 1.25;

interface TenantSteering {
  admitted: number;
  wanted: number;
  logScale: number;
  fair: number;
}

export class SaturationSteering {
  private readonly tenants = new Map<string, TenantSteering>();
  private readonly overServedNow = new Set<string>();

  step(inputs: readonly SteeringInput[]): void {
    const live = new Set(inputs.map((i) => i.tenant));
    for (const tenant of [...this.tenants.keys()]) if (!live.has(tenant)) this.tenants.delete(tenant);
    for (const input of inputs) {
      const admitted = Math.max(0, finite(input.admittedPerSec));
      const wanted = Math.max(admitted, finite(input.wantedPerSec));
      const was = this.tenants.get(input.tenant);
      if (!was) this.tenants.set(input.tenant, { admitted, wanted, logScale: 0, fair: admitted });
      else {
        was.admitted += SMOOTHING * (admitted - was.admitted);
        was.wanted += SMOOTHING * (wanted - was.wanted);
      }
    }
    const weights = new Map(inputs.map((i) => [i.tenant, Number.isFinite(i.weight) && i.weight > 0 ? i.weight : 1]));
    const total = Math.floor(sum([...this.tenants.values()].map((t) => t.admitted)));
    const fair = fairShares(total, [...this.tenants].map(([id, t]) => ({ id, demand: t.wanted, weight: weights.get(id) ?? 1 })));
    const shed: TenantSteering[] = [];
    for (const [tenant, t] of this.tenants) {
      t.fair = fair.get(tenant) ?? 0;
      if (isShed(t.admitted, t.wanted)) {
        t.logScale += GAIN * Math.log2((t.fair + 1) / (t.admitted + 1));
        shed.push(t);
      } else {
        t.logScale /= 2;
      }
    }
    const mean = shed.length > 0 ? sum(shed.map((t) => t.logScale)) / shed.length : 0;
    for (const t of shed) t.logScale = Math.min(MAX_LOG_SCALE, Math.max(-MAX_LOG_SCALE, t.logScale - mean));
    this.markOverServed(inputs);
  }

  /**
   * A tenant is over-served while its own last report (not the smoothed rate) was admitted
   * above OVER_SERVED_RATIO × its fair rate and another tenant's fresh report says it is being
   * refused now. Only fresh, raw reports count: a neighbour's shed reports held for a moment
   * after it stopped once took a lone saturated reader's lease, and without it that reader's
   * own traffic kept its level up (bench/README.md).
   */
  private markOverServed(inputs: readonly SteeringInput[]): void {
    this.overServedNow.clear();
    const refusedNow = inputs.filter((i) => i.fresh !== false && isShed(finite(i.admittedPerSec), finite(i.wantedPerSec))).map((i) => i.tenant);
    if (refusedNow.length === 0) return;
    for (const input of inputs) {
      const fair = this.tenants.get(input.tenant)?.fair ?? 0;
      const othersRefused = refusedNow.some((tenant) => tenant !== input.tenant);
      if (othersRefused && finite(input.admittedPerSec) > OVER_SERVED_RATIO * fair + 1) this.overServedNow.add(input.tenant);
    }
  }

  /** Whether the tenant was over-served at the last step (see markOverServed). */
  isOverServed(tenant: string): boolean {
    return this.overServedNow.has(tenant);
  }

  /** The tenant's fair share of the fleet's admitted rate at the last step, req/s (0 if unknown). */
  fairRateOf(tenant: string): number {
    return this.tenants.get(tenant)?.fair ?? 0;
  }

  /** The tenant's pass scale (1 if unknown). */
  scaleOf(tenant: string): number {
    return 2 ** (this.tenants.get(tenant)?.logScale ?? 0);
  }
}

/** Whether a tenant wanted enough more than it was admitted to count as being shed (SHED_MARGIN). */
function isShed(admitted: number, wanted: number): boolean {
  return wanted > admitted * (1 + SHED_MARGIN) + 1;
}
