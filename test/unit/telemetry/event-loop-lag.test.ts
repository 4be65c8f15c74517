import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addQueryTime, EventLoopLag } from "../../../worker/telemetry/event-loop-lag";

/** A clock and zero-delay timers fired by hand: `fire(at)` moves the clock and runs the oldest timer. */
function harness(options: ConstructorParameters<typeof EventLoopLag>[0] = {}) {
  let now = 0;
  const timers: Array<() => void> = [];
  const kept: Promise<unknown>[] = [];
  const lag = new EventLoopLag(options, () => now, () => new Promise<void>((resolve) => timers.push(resolve)));
  return {
    lag,
    timers,
    kept,
    at: (t: number) => void (now = t),
    poke: () => lag.poke((work) => kept.push(work)),
    /** Pokes at `t`; returns how many samples are then pending. */
    pokeAt: (t: number) => {
      now = t;
      lag.poke((work) => kept.push(work));
      return timers.length;
    },
    fire: async (t: number) => {
      now = t;
      timers.shift()?.();
      await Promise.all(kept);
    },
  };
}

/** One sample: poked at `start`, its timer fired at `end`. */
async function sample(h: ReturnType<typeof harness>, start: number, end: number): Promise<void> {
  h.at(start);
  h.poke();
  await h.fire(end);
}

describe("EventLoopLag", () => {
  it("reads 0 before any sample and the first timer's delay after it", async () => {
    const h = harness();
    h.at(100);
    expect(h.lag.lagMs()).toBe(0);
    await sample(h, 100, 108);
    expect(h.lag.lagMs()).toBe(8);
  });

  it("smooths later samples with alpha", async () => {
    const h = harness({ alpha: 0.5, intervalMs: 10 });
    await sample(h, 0, 4);
    await sample(h, 20, 32);
    expect(h.lag.lagMs()).toBe(8); // 0.5 × 12 + 0.5 × 4
  });

  it("takes at most one sample per interval and one at a time", async () => {
    const h = harness({ intervalMs: 25 });
    h.pokeAt(0);
    expect(h.pokeAt(0)).toBe(1);
    await h.fire(2);
    expect(h.pokeAt(10)).toBe(0);
    expect(h.pokeAt(27)).toBe(1);
  });

  it("gives up on a sample that never fired after staleAfterMs, and ignores it if it fires later", async () => {
    const h = harness({ staleAfterMs: 1000, intervalMs: 25 });
    h.pokeAt(0);
    expect(h.pokeAt(500)).toBe(1);
    expect(h.pokeAt(1000)).toBe(2);
    const [lost, fresh] = h.timers.splice(0);
    h.at(1003);
    fresh!();
    await h.kept[1];
    h.at(1500);
    lost!();
    await h.kept[0];
    expect(h.lag.lagMs()).toBe(3);
  });

  it("forgets a lag older than staleAfterMs: it reads 0, and the next sample replaces it", async () => {
    const h = harness({ staleAfterMs: 1000, alpha: 0.1 });
    await sample(h, 0, 50);
    expect(h.lag.lagMs(1049)).toBe(50);
    expect(h.lag.lagMs(1050)).toBe(0);
    await sample(h, 2000, 2002);
    expect(h.lag.lagMs()).toBe(2);
  });

  it("by default waits a second for a late sample, so a saturated thread's lag still lands, and forgets it a second later", async () => {
    const h = harness();
    h.poke();
    h.at(400);
    h.poke(); // the first is still pending: no second sample
    expect(h.timers).toHaveLength(1);
    await h.fire(450);
    expect(h.lag.lagMs(1449)).toBe(450);
    expect(h.lag.lagMs(1450)).toBe(0);
  });

  it("hands every sample to keepAlive, so a request that ends cannot cancel it", () => {
    const h = harness();
    h.poke();
    expect(h.kept).toHaveLength(1);
    expect(h.kept[0]).toBeInstanceOf(Promise);
  });

  it("stays between the smallest and largest delay it sampled", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 1, maxLength: 30 }), async (delays) => {
        const h = harness({ intervalMs: 10, staleAfterMs: 10_000 });
        let t = 0;
        for (const delay of delays) {
          t += 20;
          await sample(h, t, t + delay);
          t += delay;
        }
        const lag = h.lag.lagMs();
        expect(lag).toBeGreaterThanOrEqual(Math.min(...delays) - 1e-9);
        expect(lag).toBeLessThanOrEqual(Math.max(...delays) + 1e-9);
      }),
    );
  });
});

describe("addQueryTime", () => {
  it("counts a query's whole time in dbMs and only what was not lag in dbMsWithoutLag, never below 0", () => {
    const timings = { dbMs: 0, dbMsWithoutLag: 0, dbQueries: 0 };
    addQueryTime(timings, 5, 3);
    addQueryTime(timings, 1, 4);
    expect(timings).toEqual({ dbMs: 6, dbMsWithoutLag: 2, dbQueries: 2 });
  });
});
