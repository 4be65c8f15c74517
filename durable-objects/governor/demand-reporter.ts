/**
 * What an AdmissionController tells the ResourceGovernor (contracts/governor.ts), at most
 * once per interval and only when it has traffic: the D1 time its releases reported since
 * the last report, its admitted rate, what it wanted admitted (admitted + refused for
 * saturation, by the controller or by its isolates' throttles), and its demand in slots: in
 * flight + queued, or what it wanted admitted times its service time (Little's law), whichever
 * is more. A tenant refused before it queues has little in flight or queued however much it
 * wants; counting only those gave its share to a neighbour that was admitted instead.
 * Pure: the sending, and applying the cap that comes back, are the controller's.
 */
import type { DemandReport } from "../contracts/governor";

export const GOVERNOR_REPORT_INTERVAL_MS = 1000;

/** The D1 use one admitted request reported with its release (or a lease renewal's sample). */
export interface DbUse {
  dbMs?: number;
  dbQueries?: number;
}

export interface DemandNow {
  inflight: number;
  queued: number;
  /** Requests admitted since the controller started (a counter). */
  admittedTotal: number;
  /** Requests refused for saturation since the controller started, by it or its isolates' throttles (a counter). */
  shedTotal?: number;
  /** The tenant's mean service time, ms: with the wanted rate, the slots it would fill. */
  serviceMs?: number;
  weight: number;
}

export class DemandReporter {
  private dbMs = 0;
  private dbQueries = 0;
  private admittedAtLast: number | null = null;
  private shedAtLast: number | null = null;
  private lastReportAt: number | null = null;
  /** Requests admitted under isolate leases, which the controller's counters do not see. */
  private leasedAdmitted = 0;

  constructor(
    private readonly tenant: string,
    private readonly intervalMs = GOVERNOR_REPORT_INTERVAL_MS,
  ) {}

  recordDb(use: DbUse): void {
    const ms = use.dbMs;
    const queries = use.dbQueries;
    if (typeof ms === "number" && Number.isFinite(ms) && ms > 0) this.dbMs += ms;
    if (typeof queries === "number" && Number.isFinite(queries) && queries > 0) this.dbQueries += Math.floor(queries);
  }

  recordLeasedAdmissions(count: number): void {
    if (Number.isFinite(count) && count > 0) this.leasedAdmitted += count;
  }

  isDue(now: number): boolean {
    return this.lastReportAt === null || now - this.lastReportAt >= this.intervalMs;
  }

  /** A report when one is due (then the window starts afresh), else undefined. */
  takeIfDue(now: number, current: () => DemandNow): DemandReport | undefined {
    if (!this.isDue(now)) return undefined;
    const { inflight, queued, admittedTotal, shedTotal = 0, serviceMs = 0, weight } = current();
    const elapsedSec = this.lastReportAt === null ? this.intervalMs / 1000 : Math.max(0.001, (now - this.lastReportAt) / 1000);
    const admitted = Math.max(0, admittedTotal - (this.admittedAtLast ?? admittedTotal)) + this.leasedAdmitted;
    const shed = Math.max(0, shedTotal - (this.shedAtLast ?? shedTotal));
    const wantedPerSec = (admitted + shed) / elapsedSec;
    const wantedSlots = Number.isFinite(serviceMs) && serviceMs > 0 ? (wantedPerSec * serviceMs) / 1000 : 0;
    const report: DemandReport = {
      tenant: this.tenant,
      at: now,
      demand: Math.max(0, inflight + queued, wantedSlots),
      inflight: Math.max(0, inflight),
      admittedPerSec: admitted / elapsedSec,
      wantedPerSec,
      dbMsPerSec: this.dbMs / elapsedSec,
      dbQueries: this.dbQueries,
      dbMs: this.dbMs,
      weight,
    };
    this.lastReportAt = now;
    this.admittedAtLast = admittedTotal;
    this.shedAtLast = shedTotal;
    this.dbMs = 0;
    this.dbQueries = 0;
    this.leasedAdmitted = 0;
    return report;
  }
}
