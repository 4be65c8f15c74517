import type { AdmissionStats, RequestPriority } from "../contracts/admission";
import { admissionSnapshotFromStats } from "../monitor/ingest/admission-snapshot";
import type { AdmissionSnapshot } from "../contracts/telemetry";
import { SketchBuilder } from "../monitor/windows/sketch";

/**
 * What an AdmissionController tells the Monitor: its stats and the queue waits it granted
 * since the last report, at most once per interval, piggy-backed on the traffic itself (a
 * controller with no traffic has nothing new to say). Pure: the sending is the caller's.
 */
export class AdmissionReporter {
  private waits: Partial<Record<RequestPriority, SketchBuilder>> = {};
  private lastReportAt = 0;

  constructor(
    private readonly identity: { source: string; tenant: string; startedAt: number },
    private readonly intervalMs: number,
  ) {}

  recordWait(priority: RequestPriority, queuedMs: number): void {
    (this.waits[priority] ??= new SketchBuilder()).add(queuedMs);
  }

  /** A snapshot when one is due (and then the waits start afresh), else undefined. */
  takeIfDue(now: number, stats: () => AdmissionStats): AdmissionSnapshot | undefined {
    if (now - this.lastReportAt < this.intervalMs) return undefined;
    this.lastReportAt = now;
    const waits = Object.fromEntries(Object.entries(this.waits).map(([priority, sketch]) => [priority, sketch.toWire()]));
    this.waits = {};
    return admissionSnapshotFromStats(stats(), this.identity, waits);
  }
}
