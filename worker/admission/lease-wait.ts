import type { LocalLease } from "./local-lease";

/**
 * A request the isolate's lease cannot admit right now waits here, briefly, when room is on
 * its way (a slot of the lease about to free, or the lease's answer under way), instead of
 * going on the wire: at a distant controller every request sent there holds a slot for two
 * trips, and a burst that arrives before the first lease lands fills the tenant's limit with
 * them and leaves no room for the lease (bench/README.md, Scenario 6). The wait is bounded
 * (LEASE_WAIT_MS, and never into the last LEASE_WAIT_MS before the request's deadline, which it
 * keeps for the round trip and the work), after which the request asks the controller as before.
 *
 * Waiters who have waited long go before newcomers (LocalLease's line). Each polls on its own
 * timers: workerd does not let one request settle a promise another request waits on, so
 * nothing here is shared across requests but the lease itself. An overdue waiter polls every
 * millisecond, so a slot newcomers leave to the waiters stays idle about that long at most;
 * the others back off.
 */

/** Longest a request waits for room under its isolate's lease. */
export const LEASE_WAIT_MS = 100;
/** First poll after this long, doubling up to the cap: a slot frees within a request's work time. */
const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 8;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the lease admits the request (true) or room is no longer expected, the wait has
 * lasted `maxWaitMs`, the deadline is within `maxWaitMs` or `onPoll` says to stop (false).
 * `onPoll` runs before each retry: it renews a lease whose tokens the waiters spent, and says
 * whether the lease still applies (the tenant still at load normal, the lease still this
 * isolate's), since either may change while the request waits.
 */
export async function waitForLeaseRoom(lease: LocalLease, cost: number, deadline: number, onPoll: () => boolean, maxWaitMs = LEASE_WAIT_MS): Promise<boolean> {
  const until = Math.min(Date.now() + maxWaitMs, deadline - maxWaitMs);
  let pollMs = FIRST_POLL_MS;
  if (!(Date.now() < until && lease.roomExpected(cost, Date.now()))) return false;
  // In the line, and counted while it waits: the controller's limiter learns the concurrency this isolate wanted.
  const place = lease.waitStarted(Date.now());
  try {
    while (Date.now() < until && lease.roomExpected(cost, Date.now())) {
      await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
      if (!onPoll()) return false;
      if (lease.tryAdmit(cost, Date.now(), place)) return true;
      pollMs = lease.overdue(place.ticket, Date.now()) ? FIRST_POLL_MS : Math.min(pollMs * 2, MAX_POLL_MS);
    }
    return false;
  } finally {
    lease.waitEnded(place);
  }
}
