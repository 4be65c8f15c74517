import { describe, expect, it } from "vitest";
import type { IsolateLease, ReleaseReport } from "../../../durable-objects/contracts/admission";
import { LAPSE_MARGIN_MS, LocalLease, OVERDUE_WAIT_MS } from "../../../worker/admission/local-lease";

const T = 1_700_000_000_000;
const lease = (tokens: number, slots: number, id = "l1"): IsolateLease => ({ id, tokens, slots, expiresAt: T + 1000, ttlMs: 1000 });
const report = (i: number): ReleaseReport => ({ latencyMs: i, outcome: "success" });

function holding(tokens: number, slots: number): LocalLease {
  const local = new LocalLease();
  local.adopt(lease(tokens, slots), T);
  return local;
}

describe("LocalLease admission", () => {
  it("admits nothing without a lease", () => {
    expect(new LocalLease().tryAdmit(1, T)).toBe(false);
    expect(new LocalLease().renewalDue(T)).toBe(false);
    expect(new LocalLease().beginRenewal(T)).toBeUndefined();
  });

  it("admits while it has tokens and free slots; a slot comes back when its request ends", () => {
    const local = holding(4, 2);
    expect([local.tryAdmit(1, T), local.tryAdmit(1, T), local.tryAdmit(1, T)]).toEqual([true, true, false]);
    expect(local.inflight).toBe(2);
    local.finished(report(1));
    expect(local.inflight).toBe(1);
    expect(local.tryAdmit(3, T)).toBe(false); // 2 tokens left
    expect(local.tryAdmit(2, T)).toBe(true);
  });

  it("admits a request costing exactly the tokens left, and not one costing more", () => {
    const local = holding(3, 5);
    expect(local.tryAdmit(2, T)).toBe(true);
    expect(local.tryAdmit(2, T)).toBe(false);
    expect(local.tryAdmit(1, T)).toBe(true);
  });

  it("stops admitting LAPSE_MARGIN_MS before the TTL runs out, counted from when it was received", () => {
    const local = holding(10, 10);
    expect(local.tryAdmit(1, T + 1000 - LAPSE_MARGIN_MS - 1)).toBe(true);
    expect(local.tryAdmit(1, T + 1000 - LAPSE_MARGIN_MS)).toBe(false);
  });

  it("never counts fewer than zero requests running", () => {
    const local = holding(10, 10);
    local.finished(report(1));
    expect(local.inflight).toBe(0);
  });
});

describe("LocalLease renewal", () => {
  it("is due at half the tokens spent or half the TTL gone, not before", () => {
    const local = holding(4, 4);
    local.tryAdmit(1, T);
    expect(local.renewalDue(T + 499)).toBe(false);
    expect(local.renewalDue(T + 500)).toBe(true);
    local.tryAdmit(1, T);
    expect(local.renewalDue(T)).toBe(true);
  });

  it("while tokens are left, reports them all spent and every slot taken, and keeps admitting meanwhile", () => {
    const local = holding(4, 3);
    local.tryAdmit(1, T);
    local.finished(report(1));
    local.tryAdmit(1, T);
    const renewal = local.beginRenewal(T + 10);
    // ...and, for the load level, the one request really running.
    expect(renewal).toMatchObject({ id: "l1", usage: { usedTokens: 4, inflight: 3, running: 1 } });
    expect(renewal?.samples).toHaveLength(1);
    expect(local.renewalDue(T + 900)).toBe(false); // one renewal at a time
    expect(local.beginRenewal(T + 10)).toBeUndefined();
    // The new lease carries the 2 unspent tokens: they are spent before the new lease's own.
    local.adopt(lease(1, 5, "l2"), T + 20);
    expect([local.tryAdmit(1, T + 20), local.tryAdmit(1, T + 20), local.tryAdmit(1, T + 20), local.tryAdmit(1, T + 20)]).toEqual([true, true, true, false]);
  });

  it("with no tokens left, reports what was really spent and what still runs", () => {
    const local = holding(2, 3);
    local.tryAdmit(2, T);
    expect(local.beginRenewal(T)?.usage).toEqual({ usedTokens: 2, inflight: 1, running: 1, wanted: 1, demandRps: 0 });
  });

  it("reports what it admitted by priority since the last renewal left, then starts afresh", () => {
    const local = holding(10, 5);
    local.tryAdmit(1, T);
    local.countAdmitted("normal");
    local.tryAdmit(1, T);
    local.countAdmitted("low");
    local.tryAdmit(1, T);
    local.countAdmitted("normal");
    expect(local.beginRenewal(T)?.usage.admitted).toEqual({ normal: 2, low: 1 });
    local.adopt(lease(10, 5), T);
    expect(local.beginRenewal(T)?.usage.admitted).toBeUndefined();
  });

  it("reports the most requests it had running or waiting for room at once since the last renewal left", () => {
    const local = holding(10, 2);
    local.tryAdmit(1, T);
    local.tryAdmit(1, T);
    // Two more find both slots taken and wait: four wanted a slot at once.
    const places = [local.waitStarted(T), local.waitStarted(T)];
    expect(places.map((p) => p.counted)).toEqual([true, true]);
    for (const place of places) local.waitEnded(place);
    local.finished({ latencyMs: 1, outcome: "success" });
    expect(local.beginRenewal(T)?.usage.wanted).toBe(4);
    // A slot is free now: one waiting meanwhile waits for the renewal's tokens, not a slot, and is not counted.
    expect(local.waitStarted(T).counted).toBe(false);
    // The next renewal starts from what runs or waits when this one left: one running.
    local.adopt(lease(10, 2, "l2"), T + 1);
    expect(local.beginRenewal(T + 2, true)?.usage.wanted).toBe(1);
  });

  it("giving back asks for nothing and returns the carried tokens, admitting nothing until the answer", () => {
    const local = holding(4, 4);
    local.tryAdmit(1, T);
    local.beginRenewal(T);
    local.adopt(lease(4, 4, "l2"), T); // carries 3
    local.noteArrival(T);
    const giveBack = local.beginRenewal(T + 1, true);
    expect(giveBack?.usage).toEqual({ usedTokens: 0, inflight: 1, running: 1, wanted: 1, demandRps: 0, returnedTokens: 3 });
    expect(local.tryAdmit(1, T + 1)).toBe(false);
    local.adopt(undefined, T + 2);
    expect(local.held).toBeUndefined();
  });

  it("a drain lease (no tokens) carries nothing over: every request must ask the controller", () => {
    const local = holding(4, 4);
    local.beginRenewal(T);
    local.adopt(lease(0, 1, "drain"), T);
    expect(local.tryAdmit(1, T)).toBe(false);
    expect(local.tryAdmit(0, T)).toBe(true);
  });

  it("a failed renewal drops the lease and what it carried", () => {
    const local = holding(4, 4);
    local.beginRenewal(T);
    local.renewalFailed();
    expect(local.held).toBeUndefined();
    expect(local.tryAdmit(1, T)).toBe(false);
    expect(local.claimAsk()).toBe(true);
  });

  it("keeps at most 64 latency samples for a renewal", () => {
    const local = holding(100, 100);
    for (let i = 0; i < 70; i++) local.finished(report(i));
    expect(local.beginRenewal(T)?.samples.map((s) => s.latencyMs)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });
});

describe("LocalLease bookkeeping", () => {
  it("lets one request at a time ask for a lease, and none while one is held", () => {
    const local = new LocalLease();
    expect([local.claimAsk(), local.claimAsk()]).toEqual([true, false]);
    local.askAnswered();
    expect(local.claimAsk()).toBe(true);
    local.askAnswered();
    local.adopt(lease(1, 1), T);
    expect(local.claimAsk()).toBe(false);
  });

  it("is idle once no request arrived for quietMs, unless a renewal is under way", () => {
    const local = holding(4, 4);
    local.noteArrival(T);
    expect(local.idleSince(T + 99, 100)).toBe(false);
    expect(local.idleSince(T + 100, 100)).toBe(true);
    local.beginRenewal(T + 100);
    expect(local.idleSince(T + 500, 100)).toBe(false);
    expect(new LocalLease().idleSince(T, 0)).toBe(false);
  });

  it("reports demand as the last second's arrivals blended with the current one's", () => {
    const local = new LocalLease();
    for (let i = 0; i < 10; i++) local.noteArrival(T + i * 90);
    expect(local.demandRps(T + 999)).toBe(10);
    expect(local.demandRps(T + 1250)).toBeCloseTo(10 * 0.75);
    local.noteArrival(T + 1300);
    expect(local.demandRps(T + 1500)).toBeCloseTo(1 + 10 * 0.5);
    // More than two seconds since the last bucket began: the old arrivals are forgotten.
    expect(local.demandRps(T + 3100)).toBe(0);
    local.noteArrival(T + 3100);
    expect(local.demandRps(T + 3600)).toBe(1);
  });
});

describe("LocalLease room for waiting requests", () => {
  it("expects room while an ask is under way, and none once it is answered without a lease", () => {
    const local = new LocalLease();
    expect(local.roomExpected(1, T)).toBe(false);
    expect(local.claimAsk()).toBe(true);
    expect(local.roomExpected(1, T)).toBe(true);
    local.askAnswered();
    expect(local.roomExpected(1, T)).toBe(false);
  });

  it("expects a slot while every slot runs and tokens remain, not when the tokens are gone", () => {
    const local = holding(3, 1);
    expect(local.tryAdmit(1, T)).toBe(true);
    expect(local.roomExpected(1, T)).toBe(true);
    expect(local.roomExpected(3, T)).toBe(false);
    local.finished(report(1));
    expect(local.roomExpected(1, T)).toBe(false); // a slot is free: tryAdmit, not a wait
    expect([local.tryAdmit(1, T), local.tryAdmit(1, T)]).toEqual([true, false]);
  });

  it("expects room during a renewal, none while giving the lease back or after it lapsed", () => {
    const local = holding(4, 1);
    local.beginRenewal(T);
    expect(local.roomExpected(1, T)).toBe(true);
    const back = holding(4, 1);
    back.beginRenewal(T, true);
    expect(back.roomExpected(1, T)).toBe(false);
    const lapsed = holding(4, 1);
    expect(lapsed.tryAdmit(1, T)).toBe(true);
    expect(lapsed.roomExpected(1, T + 1000 - LAPSE_MARGIN_MS)).toBe(false);
  });
});

describe("LocalLease line of waiting requests", () => {
  it("lets a newcomer take a free slot while nobody has waited OVERDUE_WAIT_MS, and not once someone has", () => {
    const local = holding(10, 1);
    expect(local.tryAdmit(1, T)).toBe(true);
    const waiter = local.waitStarted(T);
    local.finished(report(1));
    // The waiter has not waited long: a newcomer may have the slot (none is kept idle for a poll).
    expect(local.tryAdmit(1, T + OVERDUE_WAIT_MS - 1)).toBe(true);
    local.finished(report(1));
    // Now the waiter is overdue: the newcomer waits too (room is expected), the waiter gets in.
    const later = T + OVERDUE_WAIT_MS;
    expect(local.tryAdmit(1, later)).toBe(false);
    expect(local.roomExpected(1, later)).toBe(true);
    expect(local.tryAdmit(1, later, waiter)).toBe(true);
    local.waitEnded(waiter);
    // The line is empty again: a newcomer finds no free slot and, the slot running, expects one.
    expect(local.tryAdmit(1, later)).toBe(false);
    local.finished(report(1));
    expect(local.tryAdmit(1, later)).toBe(true);
  });

  it("measures overdue from each waiter's own start, and forgets a waiter that gave up", () => {
    const local = holding(10, 1);
    expect(local.tryAdmit(1, T)).toBe(true);
    const first = local.waitStarted(T);
    const second = local.waitStarted(T + 10);
    local.finished(report(1));
    // The first is overdue: no newcomer gets in ahead of it.
    expect(local.tryAdmit(1, T + OVERDUE_WAIT_MS)).toBe(false);
    local.waitEnded(first);
    // With the overdue head gone the next one is not yet overdue: a newcomer gets in.
    expect(local.tryAdmit(1, T + OVERDUE_WAIT_MS)).toBe(true);
    local.waitEnded(second);
  });
});

describe("LocalLease shrunk by a renewal", () => {
  it("admits nothing until its running requests are under the new lease's slots, and reports them all as held meanwhile", () => {
    const local = holding(100, 6);
    for (let i = 0; i < 6; i++) expect(local.tryAdmit(1, T)).toBe(true);
    expect(local.beginRenewal(T)?.usage).toMatchObject({ inflight: 6, running: 6 });
    // The limit fell: the renewal brings a lease of 2 slots while 6 requests still run.
    local.adopt(lease(100, 2, "l2"), T + 1);
    expect(local.tryAdmit(1, T + 1)).toBe(false);
    expect(local.roomExpected(1, T + 1)).toBe(true);
    expect(local.beginRenewal(T + 2)?.usage).toMatchObject({ inflight: 6, running: 6 });
    local.adopt(lease(100, 2, "l3"), T + 3);
    for (let i = 0; i < 5; i++) local.finished(report(1));
    expect(local.tryAdmit(1, T + 3)).toBe(true);
    expect(local.tryAdmit(1, T + 3)).toBe(false);
  });
});
