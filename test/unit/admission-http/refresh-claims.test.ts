import { describe, expect, it } from "vitest";
import { RefreshClaims } from "../../../worker/admission/refresh-claims";

describe("RefreshClaims", () => {
  it("grants one refresh per key per interval", () => {
    const clock = { now: 1_000 };
    const claims = new RefreshClaims(10_000, () => clock.now);
    expect(claims.claim("t1")).toBe(true);
    clock.now = 11_000;
    expect(claims.claim("t1")).toBe(false);
    expect(claims.claim("t2")).toBe(true);
    clock.now = 11_001;
    expect(claims.claim("t1")).toBe(true);
    clock.now = 11_002;
    expect(claims.claim("t1")).toBe(false);
  });

  it("keeps a bounded number of keys: the least recently claimed is forgotten first", () => {
    const clock = { now: 1_000 };
    const claims = new RefreshClaims(10_000, () => clock.now, 2);
    for (const key of ["a", "b", "c"]) expect(claims.claim(key)).toBe(true);
    expect(claims.claim("c")).toBe(false);
    expect(claims.claim("a")).toBe(true);
  });
});
