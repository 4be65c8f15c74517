import { describe, expect, it } from "vitest";
import type { PrefixSource } from "../../../worker/auth/known-key-prefixes";
import { GATE_DEFAULTS, UnknownKeyGate } from "../../../worker/auth/unknown-key-gate";

const T0 = 1_700_000_000_000;
const secret = (c: string) => c.repeat(32);
const KNOWN = "tfk_KNOWNKEY";

function setup() {
  let now = T0;
  let queries = 0;
  const source: PrefixSource = {
    all: async () => (queries++, [{ prefix: KNOWN, createdAt: T0 - 3_600_000 }]),
    createdSince: async () => (queries++, []),
  };
  const gate = new UnknownKeyGate(GATE_DEFAULTS, () => now);
  return { gate, source, advance: (ms: number) => (now += ms), queries: () => queries };
}

describe("UnknownKeyGate", () => {
  it("refuses a key of an unknown prefix from memory, after at most one refresh a second", async () => {
    const { gate, source, queries } = setup();
    for (let i = 0; i < 100; i++) expect(await gate.pass(`tfk_RANDOM${String(i).padStart(2, "0")}_${secret("x")}`, "a", source)).toEqual({ kind: "refused" });
    expect(queries()).toBe(1);
  });

  it("budgets the lookups of a known prefix's unvalidated keys, then answers over_budget with a wait", async () => {
    const { gate, source } = setup();
    const passes = [];
    for (let i = 0; i < 8; i++) passes.push(await gate.pass(`${KNOWN}_${secret(String.fromCharCode(97 + i))}`, "203.0.113.1", source));
    expect(passes.filter((p) => p.kind === "look_up")).toHaveLength(GATE_DEFAULTS.budget.perClient.burst);
    expect(passes.at(-1)).toEqual({ kind: "over_budget", scope: "client", retryAfterMs: 500 });
  });

  it("a key found unknown is refused from memory afterwards, for refusedForMs", async () => {
    const { gate, source, advance } = setup();
    const key = `${KNOWN}_${secret("q")}`;
    expect((await gate.pass(key, "a", source)).kind).toBe("look_up");
    gate.notFound(key);
    expect(await gate.pass(key, "a", source)).toEqual({ kind: "refused" });
    advance(GATE_DEFAULTS.refusedForMs + 1);
    expect((await gate.pass(key, "a", source)).kind).toBe("look_up");
  });

  it("a key found active, or issued here, is looked up without spending budget, until a lookup finds it revoked", async () => {
    const { gate, source } = setup();
    const found = `${KNOWN}_${secret("f")}`;
    gate.found(found, await gate.pass(found, "a", source));
    const issued = `tfk_ISSUEDHR_${secret("i")}`;
    gate.issued(issued);
    // Spend all of client a's budget with keys that fail.
    for (let i = 0; i < 10; i++) await gate.pass(`${KNOWN}_${secret(String(i))}`, "a", source);
    expect(await gate.pass(found, "a", source)).toEqual({ kind: "look_up" });
    expect(await gate.pass(issued, "a", source)).toEqual({ kind: "look_up" });
    // Revoked meanwhile: the lookup fails, and the key is refused from memory, no longer vouched for.
    gate.notFound(found);
    expect(await gate.pass(found, "a", source)).toEqual({ kind: "refused" });
  });

  it("a successful budgeted lookup returns its token", async () => {
    const { gate, source } = setup();
    for (let i = 0; i < 50; i++) {
      const key = `${KNOWN}_${String(i).padStart(32, "k")}`;
      const pass = await gate.pass(key, "a", source);
      expect(pass).toEqual({ kind: "look_up", budgeted: { client: "a", lane: "established" } });
      gate.found(key, pass);
    }
  });
});
