import { describe, expect, it } from "vitest";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { admissionSnapshot, batchOf, T0 } from "./support";

// What persistence reads from takeChanges(): a fresh instance owes nothing, an admission report
// rolls the windows like a batch does, and a dropped bucket is deleted, never upserted.
describe("Windows.takeChanges", () => {
  it("owes nothing when nothing has happened", () => {
    expect(new Windows().takeChanges()).toEqual({ upserts: [], deletes: [], foldedThrough: 0 });
  });

  it("folds the closed minutes before an admission report lands, as before a batch", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0, "i", 1), T0);
    const snap = admissionSnapshot({ at: T0 + 2 * MINUTE });
    w.addAdmission(snap, snap.decisions, T0 + 2 * MINUTE);
    const changes = w.takeChanges();
    expect(changes.foldedThrough).toBe(T0 + MINUTE);
    expect(changes.upserts.map((b) => `${b.resolutionMs / MINUTE}m@${(b.start - T0) / MINUTE}`).sort()).toEqual(["1m@0", "1m@2", "5m@0", "60m@0"]);
  });

  it("does not upsert a changed bucket that was dropped before the changes were taken", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0, "i", 1), T0);
    // Sixty-one minutes on, the minute at T0 is out of the hour of minutes kept.
    w.roll(T0 + 61 * MINUTE);
    const changes = w.takeChanges();
    expect(changes.deletes).toEqual([{ resolutionMs: MINUTE, start: T0 }]);
    expect(changes.upserts.filter((b) => b.resolutionMs === MINUTE)).toEqual([]);
    expect(changes.upserts.map((b) => b.resolutionMs).sort((a, b) => a - b)).toEqual([5 * MINUTE, 60 * MINUTE]);
  });
});
