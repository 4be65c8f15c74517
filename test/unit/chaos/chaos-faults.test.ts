import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_SHARDS } from "../../../durable-objects/admission/shard-autoscaler";
import { CHAOS_HEADERS, CONTROLLER_FAULTS, NO_FAULTS, parseChaosFaults } from "../../../worker/chaos/chaos-faults";

const headers = (values: Record<string, string>) => (name: string) => values[name];

describe("parseChaosFaults", () => {
  it("no fault header: no faults", () => {
    expect(parseChaosFaults(headers({}))).toEqual({ ok: true, faults: NO_FAULTS });
  });

  it("X-Fault-D1-Error takes any decimal from 0 to 1 as the failure rate", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (millionths) => {
        const rate = millionths / 1_000_000;
        const text = rate === 1 ? "1" : rate.toFixed(6);
        const parsed = parseChaosFaults(headers({ [CHAOS_HEADERS.d1Error]: text }));
        expect(parsed).toEqual({ ok: true, faults: { ...NO_FAULTS, d1ErrorRate: Number(text) } });
      }),
    );
    for (const text of ["0", "1", "1.0", ".5", "0.25"]) expect(parseChaosFaults(headers({ [CHAOS_HEADERS.d1Error]: text })).ok, text).toBe(true);
  });

  it("X-Fault-D1-Error refuses anything outside [0, 1] or not a plain decimal, naming the header", () => {
    const outside = fc.oneof(
      fc.double({ min: 1.000001, max: 1e6, noNaN: true }).map((x) => x.toFixed(6)),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true }).map((x) => `-${x.toFixed(6)}`),
    );
    const notDecimal = fc.string().filter((s) => !/^(?:[01](?:\.\d{1,9})?|\.\d{1,9})$/.test(s.trim()));
    fc.assert(
      fc.property(fc.oneof(outside, notDecimal, fc.constantFrom("1e-1", "0x1", "NaN", "Infinity", "", "1.5", "+0.5", "50%")), (text) => {
        const parsed = parseChaosFaults(headers({ [CHAOS_HEADERS.d1Error]: text }));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.errors.map((e) => e.path)).toEqual(["header.x-fault-d1-error"]);
      }),
    );
  });

  it("X-Fault-Controller takes evict, drop-release or unavailable (any case), nothing else", () => {
    for (const fault of CONTROLLER_FAULTS) {
      expect(parseChaosFaults(headers({ [CHAOS_HEADERS.controller]: fault.toUpperCase() }))).toEqual({ ok: true, faults: { ...NO_FAULTS, controller: fault } });
    }
    fc.assert(
      fc.property(
        fc.string().filter((s) => !(CONTROLLER_FAULTS as readonly string[]).includes(s.trim().toLowerCase())),
        (text) => {
          const parsed = parseChaosFaults(headers({ [CHAOS_HEADERS.controller]: text }));
          expect(parsed.ok).toBe(false);
        },
      ),
    );
  });

  it("X-Fault-Monitor takes down only", () => {
    expect(parseChaosFaults(headers({ [CHAOS_HEADERS.monitor]: "down" }))).toEqual({ ok: true, faults: { ...NO_FAULTS, monitorDown: true } });
    for (const text of ["up", "", "1", "true"]) expect(parseChaosFaults(headers({ [CHAOS_HEADERS.monitor]: text })).ok, text).toBe(false);
  });

  it("X-Fault-Shard takes <index>=down or <index>=up (any case) for a shard index a tenant can have", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DEFAULT_MAX_SHARDS - 1 }), fc.boolean(), (index, down) => {
        const text = `${index}=${down ? "DOWN" : "up"}`;
        expect(parseChaosFaults(headers({ [CHAOS_HEADERS.shard]: text }))).toEqual({ ok: true, faults: { ...NO_FAULTS, shard: { index, down } } });
      }),
    );
  });

  it("X-Fault-Shard refuses any other value, naming the header", () => {
    const valid = /^(0|[1-9]\d*)=(down|up)$/;
    const outOfRange = fc.integer({ min: DEFAULT_MAX_SHARDS, max: 10_000_000 }).map((i) => `${i}=down`);
    const malformed = fc.string().filter((s) => !valid.test(s.trim().toLowerCase()));
    fc.assert(
      fc.property(fc.oneof(outOfRange, malformed, fc.constantFrom("", "1", "down", "01=down", "-1=down", "1=sideways", "1 = down", "1.0=up", "0x1=up")), (text) => {
        const parsed = parseChaosFaults(headers({ [CHAOS_HEADERS.shard]: text }));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.errors.map((e) => e.path)).toEqual(["header.x-fault-shard"]);
      }),
    );
  });

  it("reports every invalid header at once, and applies none of them", () => {
    const parsed = parseChaosFaults(headers({ [CHAOS_HEADERS.d1Error]: "2", [CHAOS_HEADERS.controller]: "crash", [CHAOS_HEADERS.monitor]: "sideways" }));
    expect(parsed).toEqual({
      ok: false,
      errors: [
        { path: "header.x-fault-d1-error", message: expect.any(String) },
        { path: "header.x-fault-controller", message: expect.any(String) },
        { path: "header.x-fault-monitor", message: expect.any(String) },
      ],
    });
    expect(parseChaosFaults(headers({ [CHAOS_HEADERS.d1Error]: "0.5", [CHAOS_HEADERS.controller]: "crash" })).ok).toBe(false);
  });
});
