import { describe, expect, it } from "vitest";
import { RecentLoad } from "../../../worker/admission/recent-load";

describe("RecentLoad", () => {
  it("remembers a tenant's load level for a short while, then reads normal", () => {
    const recent = new RecentLoad(2000);
    recent.note("t1", "elevated", 1000);
    expect(recent.level("t1", 2500)).toBe("elevated");
    expect(recent.level("t2", 2500)).toBe("normal");
    expect(recent.level("t1", 3000)).toBe("normal");
  });

  it("forgets at once when the controller says normal", () => {
    const recent = new RecentLoad(2000);
    recent.note("t1", "overloaded", 1000);
    recent.note("t1", "normal", 1100);
    expect(recent.level("t1", 1200)).toBe("normal");
  });

  it("keeps a bounded number of tenants", () => {
    const recent = new RecentLoad(2000, 2);
    for (const id of ["a", "b", "c"]) recent.note(id, "elevated", 1000);
    expect(["a", "b", "c"].map((id) => recent.level(id, 1001))).toEqual(["normal", "elevated", "elevated"]);
  });
});
