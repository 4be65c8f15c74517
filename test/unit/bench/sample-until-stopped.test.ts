import { describe, expect, it } from "vitest";
import { sampleUntilStopped } from "../../../bench/lib/sample-until-stopped";

describe("sampleUntilStopped", () => {
  it("keeps every read until stopped, skips reads that fail or return nothing, and shows samples as they come", async () => {
    let n = 0;
    const sampler = sampleUntilStopped<number>(async () => {
      n++;
      if (n % 3 === 0) throw new Error("state unavailable");
      return n % 3 === 2 ? null : n;
    }, 1);
    while (sampler.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 1));
    const samples = await sampler.stop();
    expect(samples.slice(0, 3)).toEqual([1, 4, 7]);
    expect(samples.every((s) => s % 3 === 1)).toBe(true);
    const readsAtStop = n;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(n).toBe(readsAtStop);
  });
});
