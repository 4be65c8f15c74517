import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShardHealth } from "../../../worker/admission/balancers/shard-health";
import { shards, T0 } from "./support";

const options = { ejectForMs: 30_000, timeoutMs: 2_000 };
const ids = (list: readonly { id: string }[] | undefined) => list?.map(({ id }) => id);

describe("ShardHealth", () => {
  it("ejects a shard whose call threw, for ejectForMs, then takes it back", () => {
    const health = new ShardHealth(options);
    const all = shards("a", "b", "c");
    health.record("b", { latencyMs: 3, ok: false }, T0);
    expect(ids(health.healthy(all, T0))).toEqual(["a", "c"]);
    expect(ids(health.healthy(all, T0 + 29_999))).toEqual(["a", "c"]);
    expect(ids(health.healthy(all, T0 + 30_000))).toEqual(["a", "b", "c"]);
  });

  it("ejects a shard that answered later than the timeout, not one that answered in time", () => {
    const health = new ShardHealth(options);
    health.record("a", { latencyMs: 2_000, ok: true }, T0);
    health.record("b", { latencyMs: 2_001, ok: true }, T0);
    expect(health.isEjected("a", T0)).toBe(false);
    expect(health.isEjected("b", T0)).toBe(true);
  });

  it("extends an ejection when the shard fails again, and never shortens it", () => {
    const health = new ShardHealth(options);
    health.eject("a", T0 + 10_000);
    health.eject("a", T0);
    expect(health.isEjected("a", T0 + 39_999)).toBe(true);
    health.record("a", { latencyMs: 1, ok: false }, T0 + 20_000);
    expect(health.isEjected("a", T0 + 49_999)).toBe(true);
    expect(health.isEjected("a", T0 + 50_000)).toBe(false);
  });

  it("fails open to every shard when all of them are ejected", () => {
    const health = new ShardHealth(options);
    const all = shards("a", "b");
    health.eject("a", T0);
    health.eject("b", T0);
    expect(ids(health.healthy(all, T0))).toEqual(["a", "b"]);
    expect(health.healthy([], T0)).toEqual([]);
  });

  it("fails over to another healthy shard, chosen at random, or to none", () => {
    const health = new ShardHealth(options);
    const all = shards("a", "b", "c", "d");
    health.record("a", { latencyMs: 1, ok: false }, T0);
    health.eject("c", T0);
    expect(health.failoverTarget(all, "a", T0, () => 0)?.id).toBe("b");
    expect(health.failoverTarget(all, "a", T0, () => 0.99)?.id).toBe("d");
    health.eject("b", T0);
    health.eject("d", T0);
    expect(health.failoverTarget(all, "a", T0, () => 0)).toBeUndefined();
    expect(health.failoverTarget(shards("a"), "a", T0 + 60_000, () => 0)).toBeUndefined();
  });

  it("never names the failed shard or an ejected one as the retry target", () => {
    const universe = ["s0", "s1", "s2", "s3", "s4"];
    fc.assert(
      fc.property(
        fc.subarray(universe),
        fc.array(fc.record({ shard: fc.constantFrom(...universe), at: fc.integer({ min: 0, max: 60_000 }) })),
        fc.constantFrom(...universe),
        fc.integer({ min: 0, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (members, ejections, failed, at, random) => {
          const health = new ShardHealth(options);
          for (const { shard, at: when } of ejections) health.eject(shard, T0 + when);
          const now = T0 + at;
          const target = health.failoverTarget(shards(...members), failed, now, () => random);
          if (target === undefined) {
            expect(members.filter((id) => id !== failed && !health.isEjected(id, now))).toEqual([]);
          } else {
            expect(target.id).not.toBe(failed);
            expect(members).toContain(target.id);
            expect(health.isEjected(target.id, now)).toBe(false);
          }
        },
      ),
    );
  });
});
