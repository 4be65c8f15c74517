import { describe, expect, it } from "vitest";
import { beats, peerLimit, peerVersus } from "../../../bench/lib/peer-versus";

describe("the benchmark's peer", () => {
  it("sets the binding's limit to the fair rate over its period, never below 1", () => {
    expect(peerLimit(31.4, 10)).toBe(314);
    expect(peerLimit(12.5, 60)).toBe(750);
    expect(peerLimit(0.01, 10)).toBe(1);
  });

  it("ours beats the peer when better in the target's direction, and says so when it cannot tell", () => {
    expect(beats(">=", 100, 69.2)).toBe("yes");
    expect(beats(">=", 60, 69.2)).toBe("no");
    expect(beats("<=", 35.1, 102.5)).toBe("yes");
    expect(beats("<=", 120, 102.5)).toBe("no");
    expect(beats("<=", 2, 2)).toBe("tie");
    expect(beats(">=", Number.NaN, 1)).toBe("n/a");
    expect(beats(">=", 1, undefined)).toBe("n/a");
  });

  it("lays out each target's figure per column and the verdict against the peer's column", () => {
    const table = peerVersus(
      "t",
      [
        { description: "served", op: ">=", values: { off: 83, on: 100, peer: 69 } },
        { description: "p99 ratio", op: "<=", values: { off: 103, on: 135, peer: 102 } },
      ],
      ["off", "on", "peer"],
      "on",
      "peer",
    );
    expect(table.headers).toEqual(["target", "off", "on", "peer", "on beats the peer"]);
    expect(table.rows).toEqual([
      ["served", 83, 100, 69, "yes"],
      ["p99 ratio", 103, 135, 102, "no"],
    ]);
  });
});
