import { describe, expect, it } from "vitest";
import type { IsolateLease, ReleaseReport } from "../../../durable-objects/contracts/admission";
import { waitForLeaseRoom } from "../../../worker/admission/lease-wait";
import { LocalLease } from "../../../worker/admission/local-lease";

const lease = (tokens: number, slots: number, id = "l1"): IsolateLease => ({ id, tokens, slots, expiresAt: Date.now() + 1000, ttlMs: 1000 });
const report: ReleaseReport = { latencyMs: 1, outcome: "success" };
const later = (ms: number, fn: () => void) => setTimeout(fn, ms);
const noRenewal = () => {};

describe("waitForLeaseRoom", () => {
  it("admits a waiting request when a slot of the lease frees", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    later(10, () => local.finished(report));
    const started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, noRenewal)).toBe(true);
    expect(Date.now() - started).toBeLessThan(90);
    expect(local.inflight).toBe(1);
  });

  it("admits requests that arrived while the first lease was asked for, once it lands", async () => {
    const local = new LocalLease();
    expect(local.claimAsk()).toBe(true);
    const waiting = [waitForLeaseRoom(local, 1, Date.now() + 5000, noRenewal), waitForLeaseRoom(local, 1, Date.now() + 5000, noRenewal), waitForLeaseRoom(local, 1, Date.now() + 5000, noRenewal)];
    later(10, () => {
      local.askAnswered();
      local.adopt(lease(10, 2), Date.now());
    });
    // Two slots: two get in at once, the third when one of them ends.
    later(30, () => local.finished(report));
    expect(await Promise.all(waiting)).toEqual([true, true, true]);
  });

  it("gives up after maxWaitMs, and at once when no room is on its way", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    const started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, noRenewal, 30)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const none = new LocalLease();
    const at = Date.now();
    expect(await waitForLeaseRoom(none, 1, Date.now() + 5000, noRenewal)).toBe(false);
    expect(Date.now() - at).toBeLessThan(10);
  });

  it("never waits past the request's deadline", async () => {
    const local = new LocalLease();
    expect(local.claimAsk()).toBe(true);
    const started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 20, noRenewal, 1000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it("asks for a renewal while it waits, once the waiters spent half the lease", async () => {
    const local = new LocalLease();
    local.adopt(lease(4, 1), Date.now());
    expect([local.tryAdmit(1, Date.now()), local.tryAdmit(1, Date.now())]).toEqual([true, false]);
    let renewals = 0;
    const renew = () => {
      if (local.renewalDue(Date.now()) && local.beginRenewal(Date.now())) renewals++;
    };
    // Two wait for the one slot; when it frees one gets in (2 of 4 tokens spent) and the other,
    // still waiting, starts the renewal and waits on for its answer (none comes here).
    const waiting = [waitForLeaseRoom(local, 1, Date.now() + 5000, renew, 50), waitForLeaseRoom(local, 1, Date.now() + 5000, renew, 50)];
    later(5, () => local.finished(report));
    expect((await Promise.all(waiting)).sort()).toEqual([false, true]);
    expect(renewals).toBe(1);
  });
});
