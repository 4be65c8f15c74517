import { describe, expect, it } from "vitest";
import { RefreshClaims } from "../../../worker/admission/stats-snapshots";

describe("RefreshClaims", () => {
  it("grants one refresh per key per interval", () => {
    const claims = new RefreshClaims(10_000);
    expect(claims.claim("t1", 0)).toBe(true);
    expect(claims.claim("t1", 9_999)).toBe(false);
    expect(claims.claim("t2", 5_000)).toBe(true);
    expect(claims.claim("t1", 10_000)).toBe(true);
    expect(claims.claim("t1", 10_001)).toBe(false);
  });
});
