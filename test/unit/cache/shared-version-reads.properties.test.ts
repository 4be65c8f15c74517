import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SharedVersionReads } from "../../../worker/cache/shared-version-reads";

/**
 * Against a model of D1 whose version moves with writes, with fast-check's scheduler choosing
 * when each request arrives, each write commits and each query is answered.
 */
describe("SharedVersionReads", () => {
  it("every request gets a version at least as new as every write committed before it arrived, with fewer queries than requests under concurrency", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.constantFrom("read", "write", "failing read"), { minLength: 1, maxLength: 40 }), async (s, plan) => {
        const shared = new SharedVersionReads();
        let version = 0;
        let queries = 0;
        const results: { floor: number; got: number }[] = [];
        const query = (fails: boolean) => () => {
          queries++;
          // The query reads the version when D1 answers it, not when it is sent.
          return s.schedule(Promise.resolve()).then(() => {
            if (fails) throw new Error("D1 failed");
            return version;
          });
        };
        const running = plan.map((op) =>
          s.schedule(Promise.resolve()).then(async () => {
            if (op === "write") {
              version++;
              return;
            }
            const floor = version;
            try {
              results.push({ floor, got: await shared.version("t", query(op === "failing read")) });
            } catch {
              // Only a request whose own read failed may fail.
              expect(op).toBe("failing read");
            }
          }),
        );
        await s.waitFor(Promise.all(running));
        for (const r of results) expect(r.got).toBeGreaterThanOrEqual(r.floor);
        expect(shared.activeTenants).toBe(0);
        expect(queries).toBeLessThanOrEqual(2 * plan.filter((op) => op !== "write").length);
      }),
      { numRuns: 200 },
    );
  });

  it("twenty requests arriving while one read is in flight share the next read, sent by one of them", async () => {
    const shared = new SharedVersionReads();
    const sentBy: number[] = [];
    const answers: (() => void)[] = [];
    // Each request brings its own read (in workerd: bound to its own request context).
    const readOf = (request: number) => () => {
      sentBy.push(request);
      return new Promise<number>((resolve) => answers.push(() => resolve(sentBy.length)));
    };
    const first = shared.version("t", readOf(0));
    const later = Array.from({ length: 20 }, (_, i) => shared.version("t", readOf(i + 1)));
    answers.shift()!();
    expect(await first).toBe(1);
    while (answers.length === 0) await Promise.resolve();
    expect(sentBy).toHaveLength(2);
    expect(sentBy[1]).toBeGreaterThan(0);
    answers.shift()!();
    expect(await Promise.all(later)).toEqual(Array(20).fill(2));
    expect(sentBy).toHaveLength(2);
    expect(shared.activeTenants).toBe(0);
  });
});
