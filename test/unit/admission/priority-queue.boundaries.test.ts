import { describe, expect, it } from "vitest";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { PriorityQueue, type QueueEntry } from "../../../durable-objects/admission/priority-queue";

interface Waiter extends QueueEntry {
  name: string;
}

/** A queue fed in order: each offer gets the next seq. */
function queue(capacity: number, starvationBound?: number) {
  const q = new PriorityQueue<Waiter>(capacity, starvationBound);
  let seq = 0;
  const offer = (priority: RequestPriority, name: string) => q.offer({ seq: ++seq, priority, name });
  const drain = (): string[] => {
    const served: string[] = [];
    for (let w = q.poll(); w; w = q.poll()) served.push(w.name);
    return served;
  };
  return { q, offer, drain };
}

describe("PriorityQueue validation", () => {
  it("refuses a capacity or starvation bound that is not a whole number >= 0", () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new PriorityQueue(bad)).toThrow(/queue capacity/);
      expect(() => new PriorityQueue(2, bad)).toThrow(/starvationBound/);
      expect(() => new PriorityQueue(2).resize(bad)).toThrow(/queue capacity/);
    }
    expect(new PriorityQueue(0, 0).bound).toBe(0);
  });

  it("refuses a priority it does not know", () => {
    const q = new PriorityQueue<QueueEntry>(2);
    expect(() => q.offer({ seq: 1, priority: "urgent" as RequestPriority })).toThrow(/unknown priority urgent/);
    expect(() => q.sizeOf("urgent" as RequestPriority)).toThrow(RangeError);
  });
});

describe("PriorityQueue order", () => {
  it("knows the oldest waiter across classes", () => {
    const { q, offer } = queue(5);
    offer("high", "h1");
    offer("low", "l1");
    offer("critical", "c1");
    expect(q.oldest()?.name).toBe("h1");
  });

  it("counts a bypass only while an older waiter of a lower class is passed over", () => {
    const { offer, drain } = queue(10, 2);
    offer("high", "h1"); // served first and oldest: no bypass
    offer("low", "l1");
    offer("high", "h2");
    offer("high", "h3");
    expect(drain()).toEqual(["h1", "h2", "h3", "l1"]);
  });

  it("starts counting bypasses afresh once the oldest waiter is the one served", () => {
    const { q, offer, drain } = queue(10, 2);
    offer("low", "l1");
    offer("high", "h1");
    offer("high", "h2");
    expect(q.poll()?.name).toBe("h1"); // one bypass of l1
    expect(q.removeWhere((w) => w.name === "l1").map((w) => w.name)).toEqual(["l1"]);
    offer("low", "l2");
    offer("high", "h3");
    offer("high", "h4");
    // h2 is now the oldest and is served in order; l2 is then passed over twice, not once.
    expect(drain()).toEqual(["h2", "h3", "h4", "l2"]);
  });
});

describe("PriorityQueue when full", () => {
  it("evicts the most recent waiter of the lowest class below the arrival, even when no low waiter exists", () => {
    const { q, offer } = queue(2);
    offer("normal", "n1");
    offer("normal", "n2");
    const result = offer("high", "h1");
    expect(result).toEqual({ accepted: true, evicted: expect.objectContaining({ name: "n2" }) });
    expect(q.counts()).toEqual({ critical: 0, high: 1, normal: 1, low: 0 });
    expect(offer("normal", "n3")).toEqual({ accepted: false });
  });

  it("a smaller bound evicts critical waiters too when nothing else is left", () => {
    const { q, offer } = queue(3);
    offer("critical", "c1");
    offer("critical", "c2");
    offer("high", "h1");
    expect(q.resize(1).map((w) => w.name)).toEqual(["h1", "c2"]);
    expect(q.bound).toBe(1);
    expect([...q].map((w) => w.name)).toEqual(["c1"]);
  });
});
