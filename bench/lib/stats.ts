// Pure ratio and target math for the reports. Kept apart from I/O so the arithmetic that
// decides "met / not met" is unit-tested on its own.

export type StatusCounts = Record<string, number>;

export interface StatusBreakdown {
  total: number;
  success: number;
  rateLimited: number;
  overloaded: number;
  transportErrors: number;
  otherErrors: number;
  successPct: number;
  rateLimitedPct: number;
  overloadedPct: number;
}

/** Percent, or NaN when the whole is zero (never a misleading 0 %). */
export function pct(part: number, whole: number): number {
  return whole > 0 ? (100 * part) / whole : Number.NaN;
}

/** a / b, NaN when either side is missing or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** The middle value (the mean of the two middle ones for an even count), NaN for none or any NaN. */
export function median(values: readonly number[]): number {
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (i: number): number => sorted[i] ?? Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** Status-code counts (keys "200", "429", "0" for transport errors…) grouped the way the issue reports them. */
export function breakdown(counts: StatusCounts): StatusBreakdown {
  let total = 0, success = 0, rateLimited = 0, overloaded = 0, transportErrors = 0, otherErrors = 0;
  for (const [key, n] of Object.entries(counts)) {
    const status = Number(key);
    total += n;
    if (status >= 200 && status < 300) success += n;
    else if (status === 429) rateLimited += n;
    else if (status === 503) overloaded += n;
    else if (status === 0) transportErrors += n;
    else otherErrors += n;
  }
  return {
    total, success, rateLimited, overloaded, transportErrors, otherErrors,
    successPct: pct(success, total), rateLimitedPct: pct(rateLimited, total), overloadedPct: pct(overloaded, total),
  };
}

export function addCounts(into: StatusCounts, from: StatusCounts): StatusCounts {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  return into;
}

export interface Target {
  id: string;
  description: string;
  /** The measured value; NaN or undefined when the scenario could not measure it. */
  value: number | undefined;
  op: ">=" | "<=" | "==";
  threshold: number;
  unit: string;
}

export interface TargetResult extends Target {
  status: "met" | "not met" | "not measured";
}

export function evaluate(target: Target): TargetResult {
  const v = target.value;
  if (v === undefined || !Number.isFinite(v)) return { ...target, status: "not measured" };
  const ok = target.op === ">=" ? v >= target.threshold : target.op === "<=" ? v <= target.threshold : v === target.threshold;
  return { ...target, status: ok ? "met" : "not met" };
}

/** Round for display without turning NaN into "0". */
export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return "n/a";
  return n.toFixed(digits);
}
