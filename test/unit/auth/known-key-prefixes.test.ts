import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KnownKeyPrefixes, type KeyPrefix, type KnownPrefixesOptions, type PrefixSource } from "../../../worker/auth/known-key-prefixes";

const T0 = 1_700_000_000_000;
const options: KnownPrefixesOptions = { refreshMinMs: 1000, reloadEveryMs: 60_000, skewMs: 5000, abandonAfterMs: 3000, recentForMs: 30_000 };

/** A key table in memory: prefix, creation time, revoked or not; counts the queries it answers. */
class FakeKeys implements PrefixSource {
  rows: { prefix: string; createdAt: number; revoked: boolean }[] = [];
  queries: string[] = [];
  failNext = false;
  hold: Promise<void> | undefined;
  async all(): Promise<KeyPrefix[]> {
    await this.answer("all");
    return this.rows.filter((r) => !r.revoked);
  }
  async createdSince(since: number): Promise<KeyPrefix[]> {
    await this.answer(`since ${since - T0}`);
    return this.rows.filter((r) => r.createdAt >= since);
  }
  private async answer(query: string): Promise<void> {
    this.queries.push(query);
    if (this.hold) await this.hold;
    if (this.failNext) {
      this.failNext = false;
      throw new Error("D1 unavailable");
    }
  }
}

function setup() {
  let now = T0;
  const clock = { advance: (ms: number) => (now += ms), get now() { return now; } };
  const source = new FakeKeys();
  const errors: unknown[] = [];
  const prefixes = new KnownKeyPrefixes(options, () => now, (e) => errors.push(e));
  return { clock, source, prefixes, errors };
}

describe("KnownKeyPrefixes", () => {
  it("proves nothing before its first load, then knows every active prefix and no other", async () => {
    const { source, prefixes } = setup();
    source.rows.push({ prefix: "tfk_AAAAAAAA", createdAt: T0 - options.recentForMs, revoked: false }, { prefix: "tfk_RRRRRRRR", createdAt: T0 - 1000, revoked: true });
    expect(prefixes.verdict("tfk_AAAAAAAA")).toBe("unloaded");
    await prefixes.refreshIfDue(source);
    expect(prefixes.verdict("tfk_AAAAAAAA")).toBe("established");
    expect(prefixes.verdict("tfk_RRRRRRRR")).toBe("unknown");
    expect(prefixes.verdict("tfk_ZZZZZZZZ")).toBe("unknown");
  });

  it("asks D1 at most once per refreshMinMs, however many unknown keys arrive, and then only for recent keys", async () => {
    const { clock, source, prefixes } = setup();
    for (let ms = 0; ms < 5000; ms += 10) {
      await prefixes.refreshIfDue(source);
      clock.advance(10);
    }
    expect(source.queries).toEqual(["all", "since -5000", "since -4000", "since -3000", "since -2000"]);
  });

  it("a key created elsewhere is known after the next refresh, even if its row committed with an older timestamp", async () => {
    const { clock, source, prefixes } = setup();
    await prefixes.refreshIfDue(source);
    clock.advance(1000);
    // Stamped before the last refresh began, committed after it: the skew still catches it.
    source.rows.push({ prefix: "tfk_NEWNEWNE", createdAt: T0 - 200, revoked: false });
    expect(prefixes.verdict("tfk_NEWNEWNE")).toBe("unknown");
    await prefixes.refreshIfDue(source);
    expect(prefixes.verdict("tfk_NEWNEWNE")).toBe("recent");
    clock.advance(options.recentForMs);
    expect(prefixes.verdict("tfk_NEWNEWNE")).toBe("established");
  });

  it("a key issued here is known at once, and a full reload running meanwhile does not lose it", async () => {
    const { source, prefixes } = setup();
    let release!: () => void;
    source.hold = new Promise((r) => (release = r));
    const loading = prefixes.refreshIfDue(source);
    prefixes.add("tfk_LOCALLOC");
    release();
    await loading;
    expect(prefixes.verdict("tfk_LOCALLOC")).toBe("recent");
  });

  it("a failed refresh keeps the old view and is tried again after refreshMinMs", async () => {
    const { clock, source, prefixes, errors } = setup();
    source.rows.push({ prefix: "tfk_AAAAAAAA", createdAt: T0 - options.recentForMs, revoked: false });
    await prefixes.refreshIfDue(source);
    clock.advance(1000);
    source.failNext = true;
    await prefixes.refreshIfDue(source);
    expect(errors).toHaveLength(1);
    expect(prefixes.verdict("tfk_AAAAAAAA")).toBe("established");
    await prefixes.refreshIfDue(source);
    expect(source.queries).toHaveLength(2);
    clock.advance(1000);
    await prefixes.refreshIfDue(source);
    expect(source.queries).toHaveLength(3);
  });

  it("a source that throws before its first await is a failed refresh like any other, retried after refreshMinMs", async () => {
    const { clock, prefixes, errors } = setup();
    const throwing: PrefixSource = {
      all: () => {
        throw new Error("binding missing");
      },
      createdSince: () => {
        throw new Error("binding missing");
      },
    };
    await prefixes.refreshIfDue(throwing);
    expect(errors).toHaveLength(1);
    clock.advance(options.refreshMinMs);
    const source = new FakeKeys();
    await prefixes.refreshIfDue(source);
    expect(source.queries).toEqual(["all"]);
  });

  it("reloads in full every reloadEveryMs, so revoked keys' prefixes are forgotten", async () => {
    const { clock, source, prefixes } = setup();
    source.rows.push({ prefix: "tfk_AAAAAAAA", createdAt: T0, revoked: false });
    await prefixes.refreshIfDue(source);
    source.rows[0]!.revoked = true;
    clock.advance(options.reloadEveryMs);
    await prefixes.refreshIfDue(source);
    expect(source.queries.at(-1)).toBe("all");
    expect(prefixes.verdict("tfk_AAAAAAAA")).toBe("unknown");
  });

  it("a refresh that never ends (its request was cancelled) is given up after abandonAfterMs", async () => {
    const { clock, source, prefixes } = setup();
    source.hold = new Promise(() => {});
    void prefixes.refreshIfDue(source);
    clock.advance(options.abandonAfterMs - 1);
    void prefixes.refreshIfDue(source);
    expect(source.queries).toHaveLength(1);
    source.hold = undefined;
    clock.advance(1);
    source.rows.push({ prefix: "tfk_AAAAAAAA", createdAt: T0 - options.recentForMs, revoked: false });
    await prefixes.refreshIfDue(source);
    expect(source.queries).toHaveLength(2);
    expect(prefixes.verdict("tfk_AAAAAAAA")).toBe("established");
  });

  it("queries never exceed 1 + elapsed / refreshMinMs, for any arrival pattern", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 300 }), async (gaps) => {
        const { clock, source, prefixes } = setup();
        for (const gap of gaps) {
          clock.advance(gap);
          await prefixes.refreshIfDue(source);
        }
        expect(source.queries.length).toBeLessThanOrEqual(1 + Math.floor((clock.now - T0) / options.refreshMinMs));
      }),
    );
  });
});
