/**
 * Keeps a grant's lease alive while its work runs. The controller reclaims a lease at
 * deadline + margin, as if its isolate had died; work that is still running then (a slow
 * query that outlived a read's deadline, a write answered with its real outcome) would hold
 * a slot the controller has already handed out again, and the tenant's limit would be
 * exceeded. So shortly before the lease would lapse it is extended, until the work settles.
 * Pure apart from timers: the extension call is the caller's.
 */

/** Renew this long before the lease would lapse: one round trip, with room to spare. */
export const RENEW_AHEAD_MS = 500;
/** Each renewal keeps the lease this much longer. */
export const EXTENSION_MS = 2000;

/** Asks the controller to extend; resolves to the lease's remaining ms, or null if it is gone. */
export type ExtendLease = (byMs: number) => Promise<number | null>;

/** Starts renewing; the returned function stops it (call it when the work settles). */
export function keepLease(leaseMs: number, extend: ExtendLease, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (remainingMs: number) => {
    // No `stopped` check on entry: the stop clears this timer, so it never fires after one.
    timer = setTimeout(async () => {
      let left: number | null;
      try {
        left = await extend(EXTENSION_MS);
      } catch (err) {
        onError(err);
        left = RENEW_AHEAD_MS * 2; // try again soon: the lease still has about this long
      }
      if (!stopped && left !== null) schedule(left);
    }, Math.max(0, remainingMs - RENEW_AHEAD_MS));
  };
  schedule(leaseMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
