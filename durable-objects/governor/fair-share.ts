import { sum } from "../numeric/sum";

/**
 * Weighted max-min fair shares of an integer budget (D1 concurrency) by water-filling
 * (max-min fairness as in Bertsekas & Gallager, "Data Networks"): raise a common level λ
 * until the budget is spent; tenant i gets λ·w_i, but never more than its demand and never
 * less than its minimum. What a quiet tenant does not use goes to the busy ones, and a
 * flood cannot push anyone below min(demand, λ·w).
 *
 * Rules, as the tests check them:
 * - Demand is rounded up: 2.1 concurrent queries need 3 slots.
 * - Minimum: when the budget covers one slot per tenant with demand, each gets at least 1,
 *   so a quiet tenant always gets through. When it does not, there is no minimum: the plain
 *   water-filling decides and some tenants get 0 this round.
 * - A tenant whose demand fits in its weight's part of the budget (of what the others'
 *   minimums leave, when they apply) gets all of it.
 * - Integer shares: the fluid shares are rounded by largest remainder (Hamilton), ties going
 *   to the smaller demand, then the smaller id; so a tenant left wanting is within 1 of
 *   λ·w_i, the sum is exactly min(budget, total demand), and the same input always gives
 *   the same answer.
 */

export interface TenantDemand {
  id: string;
  /** Concurrent D1 work the tenant wants (may be a forecast, so not necessarily whole). */
  demand: number;
  /** Quota weight, > 0 (default 1 in the quota). */
  weight: number;
}

interface Claim {
  id: string;
  weight: number;
  cap: number;
  min: number;
}

export function fairShares(budget: number, tenants: readonly TenantDemand[]): Map<string, number> {
  if (!Number.isSafeInteger(budget) || budget < 0) throw new RangeError(`budget must be a whole number >= 0, got ${budget}`);
  const claims = toClaims(tenants);
  const wanting = claims.filter((c) => c.cap > 0);
  const min = wanting.length <= budget ? 1 : 0;
  const active = wanting.map((c) => ({ ...c, min }));

  const shares = new Map<string, number>(claims.map((c) => [c.id, 0]));
  if (sum(active.map((c) => c.cap)) <= budget) {
    for (const claim of active) shares.set(claim.id, claim.cap);
    return shares;
  }
  const level = waterLevel(active, budget);
  const fluid = active.map((c) => clamp(level * c.weight, c.min, c.cap));
  const rounded = roundToBudget(active, fluid, budget);
  active.forEach((c, i) => shares.set(c.id, rounded[i] ?? 0));
  return shares;
}

function toClaims(tenants: readonly TenantDemand[]): Claim[] {
  const seen = new Set<string>();
  for (const t of tenants) {
    if (seen.has(t.id)) throw new RangeError(`tenant ${t.id} appears twice`);
    seen.add(t.id);
    if (!(Number.isFinite(t.demand) && t.demand >= 0)) throw new RangeError(`tenant ${t.id}: demand must be finite and >= 0, got ${t.demand}`);
    if (!(Number.isFinite(t.weight) && t.weight > 0)) throw new RangeError(`tenant ${t.id}: weight must be finite and > 0, got ${t.weight}`);
  }
  // Sorting by id first makes every sum and tie independent of the input's order.
  return [...tenants]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((t) => ({ id: t.id, weight: t.weight, cap: Math.ceil(t.demand), min: 0 }));
}

/** The λ at which Σ clamp(λ·w, min, cap) equals the budget; callers ensure Σ min ≤ budget < Σ cap. */
function waterLevel(claims: readonly Claim[], budget: number): number {
  const filled = (level: number): number => sum(claims.map((c) => clamp(level * c.weight, c.min, c.cap)));
  const breakpoints = [...new Set([0, ...claims.flatMap((c) => [c.min / c.weight, c.cap / c.weight])])].sort((a, b) => a - b);
  // filled() grows with λ: find the last breakpoint that does not overspend.
  let low = 0;
  let high = breakpoints.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (filled(breakpoints[mid] ?? 0) <= budget) low = mid;
    else high = mid - 1;
  }
  const start = breakpoints[low] ?? 0;
  const end = breakpoints[low + 1];
  if (end === undefined) return start;
  // filled() is linear between two breakpoints, so interpolate rather than decide which tenants sit on the slope.
  const atStart = filled(start);
  return start + ((budget - atStart) * (end - start)) / (filled(end) - atStart);
}

/** Largest-remainder rounding of fluid shares that sum to `budget`, keeping each within [min, cap]. */
function roundToBudget(claims: readonly Claim[], fluid: readonly number[], budget: number): number[] {
  const entries = claims.map((claim, i) => {
    const share = fluid[i] ?? 0;
    const whole = clamp(Math.floor(share), claim.min, claim.cap);
    return { claim, whole, remainder: share - whole };
  });
  // Largest remainder first; on a tie the smaller demand (the quieter tenant), then the smaller id.
  const order = [...entries].sort(
    (a, b) => b.remainder - a.remainder || a.claim.cap - b.claim.cap || compareIds(a.claim.id, b.claim.id),
  );
  // Rounding down never overspends (each fluid share is >= its whole part and they sum to the budget).
  // In exact arithmetic one pass hands out every unit; the outer loop only guards against float noise
  // in λ, which shows up as a remainder just under 1 and so is served first.
  let left = budget - sum(entries.map((e) => e.whole));
  while (left > 0 && order.some((e) => e.whole < e.claim.cap)) {
    for (const entry of order) {
      if (left === 0) break;
      if (entry.whole < entry.claim.cap) {
        entry.whole++;
        left--;
      }
    }
  }
  return entries.map((e) => e.whole);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
