/**
 * Reading the Worker's `Server-Timing: queue;dur=…, db;dur=…, total;dur=…` off an answer's
 * headers (worker/middleware/server-timing.ts). Pure, unit-tested.
 */
export type ServerTimingMetric = "queue" | "db" | "total";

/** `metric`'s duration in ms, or undefined when the answer carries no such entry. */
export function serverTimingMs(headers: Record<string, unknown> | undefined, metric: ServerTimingMetric): number | undefined {
  const match = new RegExp(`(?:^|,)\\s*${metric};dur=([\\d.]+)`).exec(String(headers?.["server-timing"] ?? ""));
  return match ? Number(match[1]) : undefined;
}
