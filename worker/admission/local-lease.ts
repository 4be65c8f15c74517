import type { IsolateLease, LeaseUsage, ReleaseReport, RequestPriority } from "../../durable-objects/contracts/admission";

/**
 * This isolate's side of a tenant's isolate lease (DESIGN.md section 7): admits requests by
 * itself while the lease has tokens and slots and has not lapsed, records how they ended, and
 * says when to renew (half the tokens spent, or half the TTL gone). Pure: time is an argument.
 *
 * The lease lapses here a safety margin before the controller would reclaim it, measured from
 * when this isolate received it (the two clocks need not agree). Slots are this isolate's own
 * count of running requests: they come back as requests end, and the controller learns the
 * count at each renewal.
 */

/** Stop admitting this long before the TTL runs out: a renewal round trip, with room to spare. */
export const LAPSE_MARGIN_MS = 200;
/** A request waiting this long for room under the lease goes before younger ones (a quarter of lease-wait's LEASE_WAIT_MS). */
export const OVERDUE_WAIT_MS = 25;
/** Latency samples kept for the next renewal (the limiter learns from them). */
const MAX_SAMPLES = 64;

/** A request's place in a lease's line of waiters (waitStarted), and whether the peak counted it. */
export interface LeaseWaiter {
  ticket: number;
  counted: boolean;
}

export class LocalLease {
  private lease: IsolateLease | undefined;
  private receivedAt = 0;
  private usedTokens = 0;
  /** Requests admitted here since the last renewal began, by priority. */
  private admittedByPriority: Partial<Record<RequestPriority, number>> = {};
  private running = 0;
  private samples: ReleaseReport[] = [];
  private renewing = false;
  /** Giving the lease back: nothing is admitted here until the answer. */
  private givingBack = false;
  /**
   * Tokens of an earlier lease that were still unspent when its renewal came back. The
   * renewal reported them spent (so the controller kept them out of its bucket), which lets
   * this isolate go on admitting while a renewal is on its way: no pause of a round trip.
   */
  private carried = 0;
  private asking = false;
  /** Requests waiting for room under the lease (lease-wait.ts) while every slot runs: the peak counts them. */
  private waiting = 0;
  /**
   * Every request waiting for room, in arrival order. A freed slot goes to whichever waiter polls
   * first (none is kept idle for a particular one), and newcomers join the waiters once one of
   * them has waited OVERDUE_WAIT_MS, when overdue waiters also poll more often than the rest:
   * with newcomers first, a waiter could lose every race until its wait ran out and it went to
   * the controller after all (a closed-loop client sends its next request the moment one ends).
   */
  private readonly line: { ticket: number; since: number }[] = [];
  private nextTicket = 0;
  /** The most requests running or waiting under the lease at once since the last renewal left. */
  private peakWanted = 0;
  private lastArrivalAt = -Infinity;
  /** Arrivals counted in the current and the previous one-second bucket: the demand we report. */
  private bucketStart = -Infinity;
  private arrivalsNow = 0;
  private arrivalsBefore = 0;

  /**
   * A request starts waiting for room under the lease: it takes its place in the line (the
   * ticket to admit and leave with). Counted in the peak only when every slot is running: it
   * then wants a slot as much as a running request holds one. One waiting for the lease's answer
   * wants tokens, not a slot, and at a distant controller every arrival during a renewal's trip
   * waits: counting those would grow the limit on the wire's length.
   */
  waitStarted(now: number): LeaseWaiter {
    const ticket = this.nextTicket++;
    this.line.push({ ticket, since: now });
    const counted = this.lease !== undefined && this.running >= this.lease.slots;
    if (counted) {
      this.waiting++;
      this.notePeak();
    }
    return { ticket, counted };
  }

  /** The end of a wait that `waitStarted` began, admitted or not. */
  waitEnded(place: LeaseWaiter): void {
    const at = this.line.findIndex((w) => w.ticket === place.ticket);
    if (at >= 0) this.line.splice(at, 1);
    if (place.counted) this.waiting = Math.max(0, this.waiting - 1);
  }

  /** Whether this ticket's request has waited OVERDUE_WAIT_MS: newcomers then wait behind it, and it polls often. */
  overdue(ticket: number, now: number): boolean {
    const waiter = this.line.find((w) => w.ticket === ticket);
    return waiter !== undefined && now - waiter.since >= OVERDUE_WAIT_MS;
  }

  /** Someone has waited OVERDUE_WAIT_MS: a newcomer then waits too (the line's head is its oldest). */
  private someoneOverdue(now: number): boolean {
    const head = this.line[0];
    return head !== undefined && now - head.since >= OVERDUE_WAIT_MS;
  }

  /** Counts an arrival for the demand estimate (every request of the tenant, admitted here or not). */
  noteArrival(now: number): void {
    this.roll(now);
    this.arrivalsNow++;
    this.lastArrivalAt = now;
  }

  /** One request at a time may ask the controller for a lease: the rest would only park more budget. */
  claimAsk(): boolean {
    if (this.asking || this.lease) return false;
    this.asking = true;
    return true;
  }

  askAnswered(): void {
    this.asking = false;
  }

  /**
   * Whether a request this lease could not admit may find room here soon, sooner than a round
   * trip to the controller: a lease ask or renewal is under way, or the lease has the tokens
   * but every slot is running (one frees as a request ends) or is kept for an overdue waiter.
   */
  roomExpected(cost: number, now: number): boolean {
    if (this.givingBack) return false;
    if (this.asking || this.renewing) return true;
    const lease = this.lease;
    if (!lease || now >= this.lapsesAt()) return false;
    return (this.running >= lease.slots || this.someoneOverdue(now)) && this.tokensLeft(lease) >= cost;
  }

  /** No request arrived for `quietMs`: the lease is better given back than left to lapse with its tokens. */
  idleSince(now: number, quietMs: number): boolean {
    return this.lease !== undefined && !this.renewing && now - this.lastArrivalAt >= quietMs;
  }

  /** Requests per second lately: the previous second, blended with the current one's share. */
  demandRps(now: number): number {
    this.roll(now);
    const intoBucket = Math.min(1, (now - this.bucketStart) / 1000);
    return this.arrivalsBefore * (1 - intoBucket) + this.arrivalsNow;
  }

  /**
   * Admits one request of `cost` tokens under the lease (carried tokens first), if it can. A
   * newcomer (no `place` in the line) does not get in ahead of an overdue waiter.
   */
  tryAdmit(cost: number, now: number, place?: LeaseWaiter): boolean {
    const lease = this.lease;
    if (!lease || this.givingBack || now >= this.lapsesAt() || this.running >= lease.slots) return false;
    if (!place && this.someoneOverdue(now)) return false;
    const fromLease = Math.max(0, cost - this.carried);
    if (lease.tokens - this.usedTokens < fromLease) return false;
    this.carried -= cost - fromLease;
    this.usedTokens += fromLease;
    this.running++;
    this.notePeak(place?.counted ? 1 : 0);
    return true;
  }

  /** Counts a request admitted here, by priority, for the controller's decisions (sent with the next renewal). */
  countAdmitted(priority: RequestPriority): void {
    this.admittedByPriority[priority] = (this.admittedByPriority[priority] ?? 0) + 1;
  }

  /** A request admitted here ended. */
  finished(report: ReleaseReport): void {
    this.running = Math.max(0, this.running - 1);
    if (this.samples.length < MAX_SAMPLES) this.samples.push(report);
  }

  get held(): IsolateLease | undefined {
    return this.lease;
  }

  get inflight(): number {
    return this.running;
  }

  /** A renewal is due: half the tokens spent or half the TTL gone (and none is under way). Carried tokens are spent first. */
  renewalDue(now: number): boolean {
    const lease = this.lease;
    if (!lease || this.renewing) return false;
    return this.usedTokens * 2 >= lease.tokens || now - this.receivedAt >= lease.ttlMs / 2;
  }

  /**
   * Starts a renewal: what to send. Until `adopt` or `renewalFailed` local admission goes on with
   * what the lease has left (reported spent, below), except while giving the lease back.
   * `givingBack` asks for no new lease (demand 0): the unused tokens go back to the bucket.
   */
  beginRenewal(now: number, givingBack = false): { id: string; usage: LeaseUsage; samples: ReleaseReport[] } | undefined {
    const lease = this.lease;
    if (!lease || this.renewing) return undefined;
    this.renewing = true;
    this.givingBack = givingBack;
    const samples = this.samples;
    this.samples = [];
    const admitsMeanwhile = !givingBack && this.tokensLeft(lease) > 0;
    const wanted = this.peakWanted;
    this.peakWanted = this.running + this.waiting;
    const admitted = Object.keys(this.admittedByPriority).length > 0 ? { admitted: this.admittedByPriority } : {};
    this.admittedByPriority = {};
    // Still admitting while the answer travels: every token counts as spent and every slot as
    // taken, so neither the bucket nor the limit can be overrun by what is admitted meanwhile
    // (more than every slot while requests admitted under a larger lease still run).
    const usage: LeaseUsage = admitsMeanwhile
      ? { usedTokens: lease.tokens, inflight: Math.max(lease.slots, this.running), running: this.running, wanted, demandRps: this.demandRps(now), ...admitted }
      : { usedTokens: this.usedTokens, inflight: this.running, running: this.running, wanted, demandRps: givingBack ? 0 : this.demandRps(now), ...admitted, ...(givingBack ? { returnedTokens: this.carried } : {}) };
    return { id: lease.id, usage, samples };
  }

  /**
   * Adopts a lease from a grant or a renewal (or drops ours when none came back). What the old
   * lease had left is carried over only into a lease with tokens of its own: a drain lease (no
   * tokens: the controller is under load) means every new request must ask it.
   */
  adopt(lease: IsolateLease | undefined, now: number): void {
    // Given back: the carried tokens went back with the lease.
    const unspent = this.lease && this.renewing && !this.givingBack ? this.tokensLeft(this.lease) : 0;
    this.carried = lease && lease.tokens > 0 ? unspent : 0;
    this.renewing = false;
    this.givingBack = false;
    this.lease = lease;
    this.receivedAt = now;
    this.usedTokens = 0;
  }

  /** The renewal failed: the lease lapses on its own; nothing is admitted here until a new one. */
  renewalFailed(): void {
    this.renewing = false;
    this.givingBack = false;
    this.lease = undefined;
    this.carried = 0;
    this.usedTokens = 0;
  }

  /** Tokens this isolate may still spend: the held lease's unspent ones and any carried over. */
  private tokensLeft(lease: IsolateLease): number {
    return lease.tokens - this.usedTokens + this.carried;
  }

  /** `countedTwice`: requests that are both running and still counted among the waiters. */
  private notePeak(countedTwice = 0): void {
    this.peakWanted = Math.max(this.peakWanted, this.running + this.waiting - countedTwice);
  }

  private lapsesAt(): number {
    return this.lease ? this.receivedAt + this.lease.ttlMs - LAPSE_MARGIN_MS : -Infinity;
  }

  private roll(now: number): void {
    if (now - this.bucketStart < 1000) return;
    this.arrivalsBefore = now - this.bucketStart < 2000 ? this.arrivalsNow : 0;
    this.arrivalsNow = 0;
    // The first arrival starts the first bucket (the elapsed time is infinite before it).
    this.bucketStart = now - ((now - this.bucketStart) % 1000 || 0);
  }
}
