import { describe, expect, it } from "vitest";
import { IsolateLeaseLedger, LEASE_FRACTION, LEASE_HORIZON_MS, LEASE_TTL_MS, sizeLease } from "../../../durable-objects/admission/isolate-leases";
import { T0 } from "./support";

function ledger(): IsolateLeaseLedger {
  let n = 0;
  return new IsolateLeaseLedger(() => `lease-${++n}`);
}

describe("sizeLease", () => {
  it("covers the next LEASE_HORIZON_MS of demand, rounded up to whole requests", () => {
    expect(LEASE_HORIZON_MS).toBe(250);
    expect(sizeLease(40, 1000, 1000)).toEqual({ tokens: 10, slots: 10 });
    expect(sizeLease(41, 1000, 1000)).toEqual({ tokens: 11, slots: 11 });
    expect(sizeLease(4, 1000, 1000)).toEqual({ tokens: 1, slots: 1 }); // one request is worth a lease
    expect(sizeLease(40, 1000, 1000, 3)).toEqual({ tokens: 30, slots: 10 });
  });

  it("takes at most 1/LEASE_FRACTION of the free tokens, and of the free slots 3/(4(n+1)) beside n other leases", () => {
    expect(LEASE_FRACTION).toBe(8);
    expect(sizeLease(400, 80, 1000)).toEqual({ tokens: 10, slots: 100 });
    expect(sizeLease(400, 1000, 87)).toEqual({ tokens: 100, slots: 65 }); // a lone isolate: three quarters
    expect(sizeLease(400, 1000, 87, 1, 1)).toEqual({ tokens: 100, slots: 32 });
    expect(sizeLease(400, 1000, 87, 1, 3)).toEqual({ tokens: 100, slots: 16 });
    expect(sizeLease(400, 1000, 87, 1, 3.7)).toEqual({ tokens: 100, slots: 16 }); // whole leases
  });

  it("offers nothing without demand, or when it could not carry one whole request, or fewer than two slots are free", () => {
    expect(sizeLease(0, 1000, 1000)).toBeUndefined();
    expect(sizeLease(Number.NaN, 1000, 1000)).toBeUndefined();
    expect(sizeLease(40, 7, 1000)).toBeUndefined(); // floor(7 / 8) = 0 tokens: the last few stay with the controller
    expect(sizeLease(40, 8, 1000)).toEqual({ tokens: 1, slots: 10 });
    expect(sizeLease(40, 1000, 1)).toBeUndefined(); // one slot free: the asker's own request needs it
    expect(sizeLease(40, 23, 1000, 3)).toBeUndefined(); // 2 tokens, a request costs 3
    expect(sizeLease(40, 24, 1000, 3)).toEqual({ tokens: 3, slots: 10 });
  });

  it("offers one slot while two are free, where the share of a small controller's slots rounds to nothing", () => {
    // A shard holds a few of the tenant's slots: beside 3 leases, floor(3 × 2 / 16) = 0 would never lease.
    expect(sizeLease(40, 1000, 2, 1, 3)).toEqual({ tokens: 10, slots: 1 });
    expect(sizeLease(40, 1000, 7, 1, 3)).toEqual({ tokens: 10, slots: 1 });
    expect(sizeLease(40, 1000, 7)).toEqual({ tokens: 10, slots: 5 });
    expect(sizeLease(40, 1000, 16, 1, 3)).toEqual({ tokens: 10, slots: 3 }); // past that, the share rules
    expect(sizeLease(2, 1000, 7)).toEqual({ tokens: 1, slots: 1 }); // and never more than the demand
  });
});

describe("IsolateLeaseLedger", () => {
  it("opens leases with the TTL on the controller's clock and sums what they hold", () => {
    const leases = ledger();
    expect([leases.heldSlots, leases.heldTokens, leases.active, leases.nextExpiry()]).toEqual([0, 0, 0, undefined]);
    const a = leases.open({ tokens: 5, slots: 2 }, T0);
    const b = leases.open({ tokens: 7, slots: 3 }, T0 + 100);
    expect(a).toEqual({ id: "lease-1", tokens: 5, slots: 2, expiresAt: T0 + LEASE_TTL_MS, ttlMs: LEASE_TTL_MS });
    expect(leases.get(b.id)).toEqual(b);
    expect([leases.heldSlots, leases.heldTokens, leases.active]).toEqual([5, 12, 2]);
    expect(leases.nextExpiry()).toBe(T0 + LEASE_TTL_MS);
  });

  it("counts the slots whose requests its isolates reported running, each bounded by its lease, until the lease ends", () => {
    const leases = ledger();
    const a = leases.open({ tokens: 5, slots: 4 }, T0, 1);
    const b = leases.open({ tokens: 5, slots: 2 }, T0, 9);
    leases.open({ tokens: 5, slots: 3 }, T0 + 500); // a new lease: nothing runs under it yet
    leases.open({ tokens: 5, slots: 3 }, T0 + 500, Number.NaN);
    expect([leases.heldSlots, leases.runningSlots]).toEqual([12, 3]);
    leases.close(b.id, { usedTokens: 0, inflight: 0, demandRps: 0 });
    expect(leases.runningSlots).toBe(1);
    leases.expire(T0 + LEASE_TTL_MS);
    expect([leases.heldSlots, leases.runningSlots, leases.get(a.id)]).toEqual([6, 0, undefined]);
    leases.clear();
    expect(leases.heldSlots + leases.runningSlots).toBe(0);
  });

  it("closing gives back the unused tokens and the requests still running, each bounded by the lease", () => {
    const leases = ledger();
    const lease = leases.open({ tokens: 5, slots: 2 }, T0);
    expect(leases.close(lease.id, { usedTokens: 3, inflight: 1.7, demandRps: 10 })).toEqual({ unusedTokens: 2, stillRunning: 1 });
    expect(leases.get(lease.id)).toBeUndefined();
    expect(leases.active).toBe(0);
    expect(leases.close(lease.id, { usedTokens: 0, inflight: 0, demandRps: 0 })).toBeUndefined();
    // An isolate cannot report more than the lease held, nor less than nothing.
    const over = leases.open({ tokens: 5, slots: 2 }, T0);
    expect(leases.close(over.id, { usedTokens: 9, inflight: 9, demandRps: 0 })).toEqual({ unusedTokens: 0, stillRunning: 2 });
    const under = leases.open({ tokens: 5, slots: 2 }, T0);
    expect(leases.close(under.id, { usedTokens: -4, inflight: -1, demandRps: 0 })).toEqual({ unusedTokens: 5, stillRunning: 0 });
  });

  it("a lease smaller than what its isolate may still run counts the cover as held until it closes", () => {
    const l = ledger();
    // Shrunk from 12 slots to 4 while 10 requests admitted under the old lease still run.
    const small = l.open({ tokens: 5, slots: 4 }, T0, 10, 12);
    expect(small.slots).toBe(4);
    expect({ held: l.heldSlots, running: l.runningSlots }).toEqual({ held: 12, running: 10 });
    // Its isolate reports 6 still running: those are what the next lease must cover, never more than was held.
    expect(l.close(small.id, { usedTokens: 5, inflight: 6, demandRps: 10 })).toEqual({ unusedTokens: 0, stillRunning: 6 });
    const next = l.open({ tokens: 5, slots: 4 }, T0, 6, 20);
    expect(l.close(next.id, { usedTokens: 0, inflight: 50, demandRps: 10 })?.stillRunning).toBe(20);
    expect(l.heldSlots).toBe(0);
  });

  it("reclaims exactly the leases whose TTL has run out, at their expiry instant", () => {
    const leases = ledger();
    leases.open({ tokens: 1, slots: 1 }, T0);
    leases.open({ tokens: 2, slots: 2 }, T0 + 10);
    leases.open({ tokens: 3, slots: 3 }, T0 + 5);
    expect(leases.nextExpiry()).toBe(T0 + LEASE_TTL_MS);
    expect(leases.expire(T0 + LEASE_TTL_MS - 1)).toBe(0);
    expect(leases.expire(T0 + LEASE_TTL_MS)).toBe(1);
    expect(leases.nextExpiry()).toBe(T0 + 5 + LEASE_TTL_MS);
    expect(leases.expire(T0 + 10 + LEASE_TTL_MS)).toBe(2);
    expect([leases.active, leases.heldSlots, leases.nextExpiry()]).toEqual([0, 0, undefined]);
  });

  it("clear ends every lease at once", () => {
    const leases = ledger();
    leases.open({ tokens: 1, slots: 1 }, T0);
    leases.open({ tokens: 2, slots: 2 }, T0);
    leases.clear();
    expect([leases.active, leases.heldSlots, leases.heldTokens]).toEqual([0, 0, 0]);
  });

  it("names leases with random UUIDs unless told otherwise", () => {
    const leases = new IsolateLeaseLedger();
    const { id } = leases.open({ tokens: 1, slots: 1 }, T0);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(leases.open({ tokens: 1, slots: 1 }, T0).id).not.toBe(id);
  });
});
