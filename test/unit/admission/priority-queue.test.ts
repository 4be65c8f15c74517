import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REQUEST_PRIORITIES, type RequestPriority } from "../../../durable-objects/contracts/admission";
import { DEFAULT_STARVATION_BOUND, PriorityQueue } from "../../../durable-objects/admission/priority-queue";

interface Item {
  seq: number;
  priority: RequestPriority;
}

function items(...priorities: RequestPriority[]): Item[] {
  return priorities.map((priority, i) => ({ seq: i + 1, priority }));
}

function drain(queue: PriorityQueue<Item>): number[] {
  const out: number[] = [];
  for (let item = queue.poll(); item; item = queue.poll()) out.push(item.seq);
  return out;
}

describe("PriorityQueue", () => {
  it("serves critical > high > normal > low, FIFO inside a class", () => {
    const queue = new PriorityQueue<Item>(10);
    for (const item of items("low", "normal", "critical", "low", "high", "critical")) queue.offer(item);
    expect(queue.counts()).toEqual({ critical: 2, high: 1, normal: 1, low: 2 });
    expect(drain(queue)).toEqual([3, 6, 5, 2, 1, 4]);
    expect(queue.size).toBe(0);
  });

  it("when full, a higher arrival evicts the lowest-priority most recent waiter", () => {
    const queue = new PriorityQueue<Item>(3);
    const [a, b, c, d] = items("low", "normal", "low", "high");
    for (const item of [a, b, c]) expect(queue.offer(item!)).toEqual({ accepted: true });
    expect(queue.offer(d!)).toEqual({ accepted: true, evicted: c });
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual([4, 2, 1]);
  });

  it("when full of equal or higher priority, refuses the arrival", () => {
    const queue = new PriorityQueue<Item>(2);
    const [a, b, c, d] = items("normal", "normal", "normal", "low");
    queue.offer(a!);
    queue.offer(b!);
    expect(queue.offer(c!)).toEqual({ accepted: false });
    expect(queue.offer(d!)).toEqual({ accepted: false });
    expect(queue.size).toBe(2);
  });

  it("with capacity 0 accepts nobody", () => {
    const queue = new PriorityQueue<Item>(0);
    expect(queue.offer({ seq: 1, priority: "critical" })).toEqual({ accepted: false });
  });

  it("counts the waiters an arrival would queue behind", () => {
    const queue = new PriorityQueue<Item>(10);
    for (const item of items("low", "normal", "critical", "high", "normal")) queue.offer(item);
    expect(queue.aheadOf("critical")).toBe(1);
    expect(queue.aheadOf("normal")).toBe(4);
    expect(queue.aheadOf("low")).toBe(5);
  });

  it("bounds starvation: a low waiter is served after at most K consecutive bypasses", () => {
    const queue = new PriorityQueue<Item>(1000, 3);
    let seq = 0;
    queue.offer({ seq: ++seq, priority: "low" });
    const served: RequestPriority[] = [];
    for (let i = 0; i < 6; i++) {
      // A critical flood: one fresh critical arrives before every poll.
      queue.offer({ seq: ++seq, priority: "critical" });
      queue.offer({ seq: ++seq, priority: "critical" });
      served.push(queue.poll()!.priority);
    }
    expect(served).toEqual(["critical", "critical", "critical", "low", "critical", "critical"]);
  });

  it("removes by predicate (deadline expiry) in arrival order", () => {
    const queue = new PriorityQueue<Item>(10);
    for (const item of items("low", "critical", "normal", "critical")) queue.offer(item);
    expect(queue.removeWhere((item) => item.seq % 2 === 0).map((item) => item.seq)).toEqual([2, 4]);
    expect(queue.size).toBe(2);
    expect(drain(queue)).toEqual([3, 1]);
  });

  it("shrinking evicts the overflow, lowest priority and most recent first", () => {
    const queue = new PriorityQueue<Item>(10);
    for (const item of items("low", "critical", "low", "normal")) queue.offer(item);
    expect(queue.resize(2).map((item) => item.seq)).toEqual([3, 1]);
    expect(drain(queue)).toEqual([2, 4]);
  });
});

type Op = { kind: "offer"; priority: RequestPriority } | { kind: "poll" } | { kind: "expire"; modulo: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...REQUEST_PRIORITIES).map((priority): Op => ({ kind: "offer", priority })) },
  { weight: 4, arbitrary: fc.constant<Op>({ kind: "poll" }) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 7 }).map((modulo): Op => ({ kind: "expire", modulo })) },
);

describe("PriorityQueue properties", () => {
  it("never exceeds its bound, and every item leaves exactly once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.array(opArb, { maxLength: 300 }), (capacity, ops) => {
        const queue = new PriorityQueue<Item>(capacity);
        const fate = new Map<number, string>();
        const settle = (item: Item, how: string) => {
          expect(fate.has(item.seq)).toBe(false);
          fate.set(item.seq, how);
        };
        let seq = 0;
        for (const op of ops) {
          if (op.kind === "offer") {
            const item = { seq: ++seq, priority: op.priority };
            const result = queue.offer(item);
            if (!result.accepted) settle(item, "refused");
            if (result.accepted && result.evicted) {
              expect(REQUEST_PRIORITIES.indexOf(result.evicted.priority)).toBeGreaterThan(REQUEST_PRIORITIES.indexOf(item.priority));
              settle(result.evicted, "evicted");
            }
          } else if (op.kind === "poll") {
            const item = queue.poll();
            if (item) settle(item, "served");
          } else {
            for (const item of queue.removeWhere((it) => it.seq % op.modulo === 0)) settle(item, "expired");
          }
          expect(queue.size).toBeLessThanOrEqual(capacity);
          expect([...queue].length).toBe(queue.size);
        }
        for (const item of [...queue]) settle(item, "remaining");
        expect(fate.size).toBe(seq);
      }),
    );
  });

  it("serves the oldest waiter within K + 1 polls of it becoming the oldest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(opArb, { maxLength: 300 }), (bound, ops) => {
        const queue = new PriorityQueue<Item>(50, bound);
        let seq = 0;
        let oldestSeq: number | undefined;
        let pollsSinceOldest = 0;
        for (const op of ops) {
          if (op.kind === "offer") queue.offer({ seq: ++seq, priority: op.priority });
          else if (op.kind === "expire") queue.removeWhere((it) => it.seq % op.modulo === 0);
          else {
            const before = queue.oldest()?.seq;
            if (before !== oldestSeq) {
              oldestSeq = before;
              pollsSinceOldest = 0;
            }
            const served = queue.poll();
            if (!served) continue;
            pollsSinceOldest++;
            if (served.seq === oldestSeq) {
              oldestSeq = undefined;
              pollsSinceOldest = 0;
            } else {
              expect(pollsSinceOldest).toBeLessThanOrEqual(bound);
            }
          }
        }
      }),
    );
  });

  it("uses a documented default bound", () => {
    expect(DEFAULT_STARVATION_BOUND).toBe(8);
  });
});
