import { describe, expect, it } from "vitest";
import { AdmissionCore, SATURATED_RETRY_AFTER_MS } from "../../../durable-objects/admission/admission-core";
import { SaturationShedder } from "../../../durable-objects/admission/saturation-shedder";
import { request, T0, testQuota, granted } from "./support";

/**
 * A shedder stuck at one level, as met by a tenant past the arrivals floor, that never picks a
 * request itself: only the level's effect on load shows (the floor: saturation-shedder.test.ts).
 */
class FixedLevel extends SaturationShedder {
  constructor(private readonly fixed: number) {
    super();
  }
  override get level(): number {
    return this.fixed;
  }
  override levelFor(): number {
    return this.fixed;
  }
  override shouldShed(): boolean {
    return false;
  }
}

/** 80 fixed slots and 800 tokens: an asking isolate would get a lease of 10 tokens and 9 slots. */
function core(shedder: SaturationShedder, random: () => number = Math.random): AdmissionCore {
  const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: 80, maxConcurrency: 80, limitAlgorithm: "aimd" });
  return new AdmissionCore({ quota, now: T0, shedder, random });
}

describe("AdmissionCore reads a saturated thread as load", () => {
  it("is normal with nothing shed, elevated while anything is shed, overloaded from a level of 1 (all low shed)", () => {
    expect(granted(core(new FixedLevel(0)).acquire(request("normal", T0), T0)).loadLevel).toBe("normal");
    expect(granted(core(new FixedLevel(0.5)).acquire(request("normal", T0), T0)).loadLevel).toBe("elevated");
    expect(granted(core(new FixedLevel(1)).acquire(request("normal", T0), T0)).loadLevel).toBe("overloaded");
    expect(core(new FixedLevel(0.5)).state(T0).loadLevel).toBe("elevated");
  });

  it("gives an asking isolate a lease only while the load is normal, at a grant and at a renewal", () => {
    const calm = core(new FixedLevel(0));
    const lease = granted(calm.acquire(request("normal", T0, { leaseDemandRps: 40 }), T0)).isolateLease;
    expect(lease).toMatchObject({ tokens: 10, slots: 10 });

    const saturated = core(new FixedLevel(0.5));
    expect(granted(saturated.acquire(request("normal", T0, { leaseDemandRps: 40 }), T0)).isolateLease).toBeUndefined();
    const renewal = saturated.renewIsolateLease("unknown", { usedTokens: 0, inflight: 0, demandRps: 40 }, [], T0);
    expect(renewal).toMatchObject({ lease: undefined, loadLevel: "elevated" });
    expect(saturated.tokens(T0)).toBe(799);
  });
});

describe("AdmissionCore passes lag and shard spread through to its shedder", () => {
  it("raises the saturation level from lag samples and reports the last one", () => {
    const c = core(new SaturationShedder());
    // A tenant past the arrivals floor (one critical request counted for 50 controllers), whose level may rise.
    c.spreadArrivalsOver(50);
    c.acquire(request("critical", T0), T0);
    c.observeLag(150, T0);
    expect(c.saturationLevel).toBe(0);
    // A full 100 ms window whose least lag is 10 x the 15 ms target: one step of 0.1 x 10.
    c.observeLag(150, T0 + 100);
    expect(c.saturationLevel).toBe(1);
    expect(c.state(T0 + 100).saturation).toMatchObject({ shedLevel: 1, lagMs: 150 });
  });

  it("counts a shard's arrivals K times toward the 50 per second below which nobody is shed", () => {
    const c = core(new SaturationShedder(), () => 0);
    // The level, raised while the tenant sent 50 requests a second (then nothing for two seconds: the lag held it).
    c.spreadArrivalsOver(50);
    c.acquire(request("critical", T0), T0);
    c.observeLag(150, T0);
    c.observeLag(150, T0 + 100);
    c.spreadArrivalsOver(1);
    const t = T0 + 2100;
    c.observeLag(150, t);
    expect(c.saturationLevel).toBe(1);
    // One arrival a second is far under the floor: not shed although every low is picked.
    expect(c.acquire(request("low", t), t).kind).toBe("granted");
    c.spreadArrivalsOver(50);
    const shed = c.acquire(request("low", t), t);
    expect(shed.kind === "rejected" && shed.result).toMatchObject({ reason: "shed", detail: "saturated", retryAfterMs: SATURATED_RETRY_AFTER_MS });
  });
});
