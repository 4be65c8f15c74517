import { describe, expect, it } from "vitest";
import { checkIntegrity, integrityOk, type Answer } from "../../../bench/scenarios/integrity-check";

const answers = (entries: [string, Answer][]) => new Map(entries);

describe("integrity check", () => {
  it("passes when every 201 is in D1 once and nothing else was written", () => {
    const r = checkIntegrity(answers([["t1", { status: 201, id: "a" }], ["t2", { status: 503 }], ["t3", { status: 429 }]]), [{ title: "t1", id: "a" }]);
    expect(r).toMatchObject({ created: 1, rejectedAnswers: 2, lost: [], duplicated: [], phantom: [], mismatched: [] });
    expect(integrityOk(r)).toBe(true);
  });

  it("finds lost, duplicated, phantom and mismatched writes", () => {
    const r = checkIntegrity(
      answers([
        ["lost", { status: 201, id: "x" }],
        ["dup", { status: 201, id: "d1" }],
        ["shed", { status: 503 }],
        ["swapped", { status: 201, id: "s1" }],
      ]),
      [
        { title: "dup", id: "d1" },
        { title: "dup", id: "d2" },
        { title: "shed", id: "p" },
        { title: "swapped", id: "s2" },
        { title: "s-other", id: "s1" },
        { title: "never-sent", id: "n" },
      ],
    );
    expect(r.lost).toEqual(["lost"]);
    expect(r.duplicated).toEqual(["dup"]);
    expect(r.phantom).toEqual(["shed", "s-other", "never-sent"]);
    expect(r.mismatched).toEqual(["swapped"]);
    expect(integrityOk(r)).toBe(false);
  });

  it("counts, but does not judge, writes by requests that got no answer or another error", () => {
    const r = checkIntegrity(answers([["timeout", { status: 0 }], ["boom", { status: 500 }], ["quiet", { status: 0 }]]), [
      { title: "timeout", id: "a" },
      { title: "boom", id: "b" },
    ]);
    expect(r).toMatchObject({ unansweredWritten: 1, failedWritten: 1, phantom: [] });
    expect(integrityOk(r)).toBe(true);
  });

  it("flags the same id answered for two tokens", () => {
    const r = checkIntegrity(answers([["a", { status: 201, id: "same" }]]), [
      { title: "a", id: "same" },
      { title: "a2", id: "same" },
    ]);
    expect(r.duplicated).toContain("id same");
  });
});
