import { describe, expect, it } from "vitest";
import type { IsolateLease, ReleaseReport } from "../../../durable-objects/contracts/admission";
import { waitForLeaseRoom } from "../../../worker/admission/lease-wait";
import { LocalLease } from "../../../worker/admission/local-lease";

const lease = (tokens: number, slots: number, id = "l1"): IsolateLease => ({ id, tokens, slots, expiresAt: Date.now() + 1000, ttlMs: 1000 });
const report: ReleaseReport = { latencyMs: 1, outcome: "success" };
const later = (ms: number, fn: () => void) => setTimeout(fn, ms);
const keepWaiting = () => true;

describe("waitForLeaseRoom", () => {
  it("admits a waiting request when a slot of the lease frees", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    later(10, () => local.finished(report));
    const started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting)).toBe(true);
    expect(Date.now() - started).toBeLessThan(90);
    expect(local.inflight).toBe(1);
  });

  it("admits requests that arrived while the first lease was asked for, once it lands", async () => {
    const local = new LocalLease();
    expect(local.claimAsk()).toBe(true);
    const waiting = [waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting), waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting), waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting)];
    later(10, () => {
      local.askAnswered();
      local.adopt(lease(10, 2), Date.now());
    });
    // Two slots: two get in at once, the third when one of them ends.
    later(30, () => local.finished(report));
    expect(await Promise.all(waiting)).toEqual([true, true, true]);
  });

  it("counts a request waiting for a slot in the peak it reports, and leaves the count as it found it when its wait ends", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    later(10, () => local.finished(report));
    // One running, one waiting: two wanted at once; admitted, the waiter is not counted again.
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting)).toBe(true);
    // One that gives up (onPoll says stop) leaves the count as it found it.
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, () => false)).toBe(false);
    expect(local.beginRenewal(Date.now())?.usage.wanted).toBe(2);
    local.adopt(lease(5, 1, "l2"), Date.now());
    // After the renewal: one running, nobody waiting.
    expect(local.beginRenewal(Date.now(), true)?.usage.wanted).toBe(1);
  });

  it("gives up after maxWaitMs, and at once when no room is on its way", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    const started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 5000, keepWaiting, 30)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const none = new LocalLease();
    const at = Date.now();
    expect(await waitForLeaseRoom(none, 1, Date.now() + 5000, keepWaiting)).toBe(false);
    expect(Date.now() - at).toBeLessThan(10);
  });

  it("never waits into the last maxWaitMs before the request's deadline: that is the round trip's and the work's", async () => {
    const local = new LocalLease();
    expect(local.claimAsk()).toBe(true);
    let started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 20, keepWaiting, 1000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(10);
    started = Date.now();
    expect(await waitForLeaseRoom(local, 1, Date.now() + 90, keepWaiting, 50)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("stops at the first poll that says the lease no longer applies (load rose, or the lease was dropped)", async () => {
    const local = new LocalLease();
    local.adopt(lease(5, 1), Date.now());
    expect(local.tryAdmit(1, Date.now())).toBe(true);
    let polls = 0;
    const waiting = waitForLeaseRoom(local, 1, Date.now() + 5000, () => ++polls < 1);
    // The slot frees before the first poll, but that poll says stop: nothing is admitted.
    local.finished(report);
    expect(await waiting).toBe(false);
    expect(polls).toBe(1);
    expect(local.inflight).toBe(0);
  });

  it("asks for a renewal while it waits, once the waiters spent half the lease", async () => {
    const local = new LocalLease();
    local.adopt(lease(4, 1), Date.now());
    expect([local.tryAdmit(1, Date.now()), local.tryAdmit(1, Date.now())]).toEqual([true, false]);
    let renewals = 0;
    const renew = () => {
      if (local.renewalDue(Date.now()) && local.beginRenewal(Date.now())) renewals++;
      return true;
    };
    // Two wait for the one slot; when it frees one gets in (2 of 4 tokens spent) and the other,
    // still waiting, starts the renewal and waits on for its answer (none comes here).
    const waiting = [waitForLeaseRoom(local, 1, Date.now() + 5000, renew, 50), waitForLeaseRoom(local, 1, Date.now() + 5000, renew, 50)];
    later(5, () => local.finished(report));
    expect((await Promise.all(waiting)).sort()).toEqual([false, true]);
    expect(renewals).toBe(1);
  });

  it("under a closed loop that keeps every slot busy, no waiter runs out of time while others who came later get in", async () => {
    // Eight clients, each sending its next request the moment one ends, over a lease of two
    // slots: without the line's order the one that just finished wins most races for the freed
    // slot, and a waiter that lost enough of them went to the controller after all.
    const local = new LocalLease();
    local.adopt({ ...lease(1_000_000, 2), ttlMs: 60_000 }, Date.now());
    const runUntil = Date.now() + 700;
    let admitted = 0;
    let gaveUp = 0;
    const client = async () => {
      while (Date.now() < runUntil) {
        const inAtOnce = local.tryAdmit(1, Date.now());
        if (!inAtOnce && !(await waitForLeaseRoom(local, 1, Date.now() + 30_000, keepWaiting))) {
          gaveUp++;
          continue;
        }
        admitted++;
        await new Promise((resolve) => setTimeout(resolve, 2));
        local.finished(report);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(admitted).toBeGreaterThan(100);
    expect(gaveUp).toBe(0);
  });
});

