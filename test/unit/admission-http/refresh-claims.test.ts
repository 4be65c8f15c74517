import { describe, expect, it } from "vitest";
import { RefreshClaims } from "../../../worker/admission/stats-snapshots";

describe("RefreshClaims", () => {
  it("grants one refresh per key per interval", () => {
    const clock = { now: 0 };
    const claims = new RefreshClaims(10_000, () => clock.now);
    expect(claims.claim("t1")).toBe(true);
    clock.now = 9_999;
    expect(claims.claim("t1")).toBe(false);
    expect(claims.claim("t2")).toBe(true);
    clock.now = 10_000;
    expect(claims.claim("t1")).toBe(true);
    clock.now = 10_001;
    expect(claims.claim("t1")).toBe(false);
  });
});
