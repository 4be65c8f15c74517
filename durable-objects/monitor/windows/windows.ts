/**
 * The Monitor's rolling windows: 60 × 1 min, 72 × 5 min, 72 × 1 h (an hour, six hours,
 * three days). Data lands in the current minute; when a minute closes it is folded once
 * into its 5-minute and hour buckets (`foldedThrough` records how far, so a restart never
 * folds twice). Pure: the clock is an argument, persistence reads `takeChanges()`.
 */
import { addAdmission, addBatch, combine, emptyBucket, mergeBucket, type Bucket } from "./bucket";
import type { AdmissionSnapshot, TelemetryBatch } from "../../contracts/telemetry";

export interface Resolution {
  name: "1m" | "5m" | "1h";
  ms: number;
  keep: number;
}

export const MINUTE = 60_000;
export const RESOLUTIONS: readonly Resolution[] = [
  { name: "1m", ms: MINUTE, keep: 60 },
  { name: "5m", ms: 5 * MINUTE, keep: 72 },
  { name: "1h", ms: 60 * MINUTE, keep: 72 },
];
const FINEST = RESOLUTIONS[0] as Resolution;

export const floorTo = (t: number, ms: number): number => Math.floor(t / ms) * ms;

/** A merged view of a time range. */
export interface WindowView {
  /** Start of the oldest bucket with data (or of the range when empty) and the evaluation time. */
  from: number;
  to: number;
  bucket: Bucket;
}

export interface WindowChanges {
  upserts: Bucket[];
  deletes: Array<{ resolutionMs: number; start: number }>;
  foldedThrough: number;
}

export class Windows {
  private readonly byResolution = new Map<number, Map<number, Bucket>>();
  private readonly dirty = new Set<Bucket>();
  private deletes: WindowChanges["deletes"] = [];

  /** `foldedThrough`: every minute bucket starting before it is already in the coarse buckets. */
  constructor(
    restored: Bucket[] = [],
    private foldedThrough = 0,
  ) {
    for (const r of RESOLUTIONS) this.byResolution.set(r.ms, new Map());
    for (const b of restored) this.byResolution.get(b.resolutionMs)?.set(b.start, b);
  }

  addBatch(batch: TelemetryBatch, now: number): void {
    this.roll(now);
    const b = this.current(now);
    addBatch(b, batch);
    this.dirty.add(b);
  }

  addAdmission(snap: AdmissionSnapshot, deltas: AdmissionSnapshot["decisions"], now: number): void {
    this.roll(now);
    const b = this.current(now);
    addAdmission(b, snap, deltas);
    this.dirty.add(b);
  }

  /** Folds closed minutes into coarse buckets and drops what fell out of every window. */
  roll(now: number): void {
    const minutes = this.buckets(FINEST.ms);
    const closed = [...minutes.values()].filter((m) => m.start >= this.foldedThrough && m.start + MINUTE <= now).sort((a, b) => a.start - b.start);
    for (const minute of closed) {
      for (const r of RESOLUTIONS.slice(1)) {
        const target = this.bucketAt(r.ms, floorTo(minute.start, r.ms));
        mergeBucket(target, minute);
        this.dirty.add(target);
      }
      this.foldedThrough = minute.start + MINUTE;
    }
    for (const r of RESOLUTIONS) {
      const oldest = floorTo(now, r.ms) - (r.keep - 1) * r.ms;
      for (const [start, b] of this.buckets(r.ms)) {
        if (start < oldest) {
          this.buckets(r.ms).delete(start);
          this.dirty.delete(b);
          this.deletes.push({ resolutionMs: r.ms, start });
        }
      }
    }
  }

  /**
   * Everything in the buckets overlapping the last `windowMs`, at the finest resolution that
   * holds it; `from` says where the data really starts, so rates divide by the true span.
   * Coarse views add the minutes not yet folded, so no data is missing and none is counted twice.
   */
  window(windowMs: number, now: number): WindowView {
    const { start, resolutionMs, buckets } = this.bucketsIn(windowMs, now);
    const withData = buckets.filter((b) => b.telemetry.batches > 0 || Object.keys(b.admission).length > 0);
    const from = withData.length ? Math.max(start, Math.min(...withData.map((b) => b.start))) : start;
    return { from, to: now, bucket: combine(buckets, start, now - start, resolutionMs === FINEST.ms) };
  }

  /** The buckets `window()` would merge, unmerged (for rules that only sum counters). */
  bucketsIn(windowMs: number, now: number): { start: number; resolutionMs: number; buckets: Bucket[] } {
    const res = RESOLUTIONS.find((r) => windowMs <= r.ms * r.keep) ?? (RESOLUTIONS[RESOLUTIONS.length - 1] as Resolution);
    // Every bucket that overlaps [now − windowMs, now]: at least the last windowMs, at most one bucket more.
    const start = floorTo(now - windowMs, res.ms);
    const buckets = [...this.buckets(res.ms).values()].filter((b) => b.start >= start && b.start <= now);
    if (res.ms !== FINEST.ms) buckets.push(...[...this.buckets(FINEST.ms).values()].filter((m) => m.start >= this.foldedThrough && m.start <= now));
    return { start, resolutionMs: res.ms, buckets };
  }

  /** Buckets of one resolution starting in [from, to). */
  bucketsBetween(resolutionMs: number, from: number, to: number): Bucket[] {
    return [...this.buckets(resolutionMs).values()].filter((b) => b.start >= from && b.start < to);
  }

  /** The last `count` minute buckets, oldest first, with empty buckets for quiet minutes. */
  minutes(count: number, now: number): Bucket[] {
    const last = floorTo(now, MINUTE);
    const out: Bucket[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const start = last - i * MINUTE;
      out.push(this.buckets(MINUTE).get(start) ?? emptyBucket(start, MINUTE));
    }
    return out;
  }

  takeChanges(): WindowChanges {
    const changes = { upserts: [...this.dirty], deletes: this.deletes, foldedThrough: this.foldedThrough };
    this.dirty.clear();
    this.deletes = [];
    return changes;
  }

  private current(now: number): Bucket {
    // A clock that stepped back must not reopen a folded minute.
    return this.bucketAt(MINUTE, Math.max(floorTo(now, MINUTE), this.foldedThrough));
  }

  private buckets(resolutionMs: number): Map<number, Bucket> {
    const m = this.byResolution.get(resolutionMs);
    if (!m) throw new Error(`unknown resolution ${resolutionMs}`);
    return m;
  }

  private bucketAt(resolutionMs: number, start: number): Bucket {
    const m = this.buckets(resolutionMs);
    let b = m.get(start);
    if (!b) {
      b = emptyBucket(start, resolutionMs);
      m.set(start, b);
    }
    return b;
  }
}
