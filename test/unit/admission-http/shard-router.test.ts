import { describe, expect, it } from "vitest";
import type { ShardMap } from "../../../durable-objects/contracts/shards";
import { ShardMapCache, SHARD_MAP_TTL_MS } from "../../../worker/admission/shard-map-cache";
import { ShardRouter } from "../../../worker/admission/shard-router";
import { seededRandom, T0 } from "../balancers/support";

const mapOf = (k: number, version = 1, unhealthy: number[] = []): ShardMap => ({
  version,
  k,
  shards: k === 1 ? [] : Array.from({ length: k }, (_, i) => ({ id: `t#${i}`, weight: 1 })),
  unhealthy: unhealthy.map((i) => `t#${i}`),
});

const router = (algorithm: "round-robin" | "adaptive" | "least-connections" | "weighted" = "round-robin") => new ShardRouter("t", { algorithm, ejectForMs: 30_000, slowCallMs: 1000 });

describe("ShardRouter", () => {
  it("asks the root while K = 1 or no fresh map is known: no extra hop", () => {
    const r = router();
    expect(r.choose(undefined, T0, Math.random)).toBe("t");
    expect(r.choose(mapOf(1), T0, Math.random)).toBe("t");
  });

  it("spreads requests over the shards with the configured algorithm (round-robin: each in turn)", () => {
    const r = router("round-robin");
    const picks = Array.from({ length: 8 }, () => r.choose(mapOf(4), T0, Math.random));
    expect(picks).toEqual(["t#0", "t#1", "t#2", "t#3", "t#0", "t#1", "t#2", "t#3"]);
  });

  it("leaves out shards the root's health map lists, unless that would leave none", () => {
    const r = router("round-robin");
    const picks = new Set(Array.from({ length: 12 }, () => r.choose(mapOf(4, 2, [1, 2]), T0, Math.random)));
    expect(picks).toEqual(new Set(["t#0", "t#3"]));
    expect(new Set(Array.from({ length: 8 }, () => r.choose(mapOf(2, 3, [0, 1]), T0, Math.random)))).toEqual(new Set(["t#0", "t#1"]));
  });

  it("ejects a shard whose call threw or was too slow for ejectForMs, and fails over to another shard, else the root", () => {
    const r = router("round-robin");
    const map = mapOf(2);
    r.started("t#0", T0);
    r.ended("t#0", { ok: false, latencyMs: 3 }, T0);
    expect(r.isEjected("t#0", T0 + 29_999)).toBe(true);
    expect(r.failover(map, "t#0", T0, seededRandom(1))).toBe("t#1");
    expect(new Set(Array.from({ length: 4 }, () => r.choose(map, T0 + 10, Math.random)))).toEqual(new Set(["t#1"]));
    r.ended("t#1", { ok: true, latencyMs: 1001 }, T0);
    // Both shards ejected: the retry goes to the root, which can always serve.
    expect(r.failover(map, "t#0", T0, seededRandom(1))).toBe("t");
    expect(r.isEjected("t#0", T0 + 30_000)).toBe(false);
    // The root failing leaves nowhere to go when it has no shards.
    expect(r.failover(mapOf(1), "t", T0, Math.random)).toBeUndefined();
  });

  it("routes by the root alone while the map says K = 1, even if it still lists shards", () => {
    const r = router();
    const single: ShardMap = { ...mapOf(2), k: 1 };
    expect(r.choose(single, T0, Math.random)).toBe("t");
    expect(r.failover(single, "t", T0, Math.random)).toBeUndefined();
    expect(r.failover(single, "t#0", T0, Math.random)).toBe("t");
  });

  it("brackets calls for load-aware balancers: least-connections avoids the shard with a call still open", () => {
    const r = router("least-connections");
    r.started("t#0", T0);
    expect(r.choose(mapOf(2), T0, () => 0)).toBe("t#1");
    r.ended("t#0", { ok: true, latencyMs: 3 }, T0 + 3);
    r.started("t#1", T0 + 3);
    expect(r.choose(mapOf(2), T0 + 3, () => 0.99)).toBe("t#0");
  });

  it("never ejects the root, whose failures it has no other place to send", () => {
    const r = router();
    r.started("t", T0);
    r.ended("t", { ok: false, latencyMs: 3 }, T0);
    r.ended("t", { ok: true, latencyMs: 5000 }, T0);
    expect(r.isEjected("t", T0 + 1)).toBe(false);
    expect(r.isEjected("t#0", T0 + 1)).toBe(false);
  });

  it("adaptive steers away from a shard that answers ten times slower", () => {
    const r = router("adaptive");
    const random = seededRandom(7);
    const map = mapOf(4);
    let now = T0;
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const shard = r.choose(map, now, random);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
      r.started(shard, now);
      r.ended(shard, { ok: true, latencyMs: shard === "t#2" ? 50 : 5 }, now + 1);
      now += 5;
    }
    expect((counts.get("t#2") ?? 0) / 2000).toBeLessThan(0.1);
  });
});

describe("ShardMapCache", () => {
  it("serves a map only while an answer confirmed it within the TTL; a stale one sends the next acquire to the root", () => {
    const cache = new ShardMapCache();
    expect(cache.current("t", T0)).toBeUndefined();
    cache.learn("t", mapOf(4, 3), T0);
    expect(cache.current("t", T0 + SHARD_MAP_TTL_MS - 1)?.k).toBe(4);
    expect(cache.current("t", T0 + SHARD_MAP_TTL_MS)).toBeUndefined();
    // The version is still sent, so the root answers with a map only if it changed.
    expect(cache.version("t")).toBe(3);
    cache.confirm("t", T0 + SHARD_MAP_TTL_MS);
    expect(cache.current("t", T0 + SHARD_MAP_TTL_MS + 1)?.k).toBe(4);
  });

  it("keeps the newer map when a lagging shard answers with an older one", () => {
    const cache = new ShardMapCache();
    cache.learn("t", mapOf(8, 5), T0);
    cache.learn("t", mapOf(4, 4), T0 + 1);
    expect(cache.current("t", T0 + 2)?.version).toBe(5);
  });

  it("holds at most maxTenants maps, forgetting the least recently learned", () => {
    const cache = new ShardMapCache(2);
    cache.learn("a", mapOf(2), T0);
    cache.learn("b", mapOf(2), T0);
    expect([cache.version("a"), cache.version("b")]).toEqual([1, 1]);
    cache.learn("c", mapOf(2), T0);
    expect(cache.version("a")).toBeUndefined();
    expect(cache.version("c")).toBe(1);
    // Learning b again makes it the most recent: c is the one forgotten next.
    cache.learn("b", mapOf(2, 2), T0);
    cache.learn("d", mapOf(2), T0);
    expect([cache.version("b"), cache.version("c"), cache.version("d")]).toEqual([2, undefined, 1]);
  });

  it("takes a map of the version it holds as a confirmation, and ignores confirming a tenant it has no map for", () => {
    const cache = new ShardMapCache(10, 1000);
    cache.learn("t", mapOf(4, 3), T0);
    cache.learn("t", mapOf(4, 3), T0 + 900);
    expect(cache.current("t", T0 + 1800)?.version).toBe(3);
    expect(cache.current("t", T0 + 1900)).toBeUndefined();
    cache.confirm("unknown", T0);
    expect(cache.version("unknown")).toBeUndefined();
    expect(cache.current("unknown", T0)).toBeUndefined();
  });
});
