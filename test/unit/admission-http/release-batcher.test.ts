import { describe, expect, it } from "vitest";
import { ReleaseBatcher } from "../../../worker/admission/release-batcher";

/** A send whose calls the test answers one by one. */
function heldSend() {
  const calls: number[][] = [];
  const answers: (() => void)[] = [];
  const send = (items: number[]) => {
    calls.push([...items]);
    return new Promise<void>((resolve) => answers.push(resolve));
  };
  const answerNext = async () => {
    answers.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { calls, send, answerNext };
}

describe("ReleaseBatcher", () => {
  it("sends a release at once when no call to its controller is under way", async () => {
    const batcher = new ReleaseBatcher<number>();
    const { calls, send, answerNext } = heldSend();
    const sending = batcher.add("t", 1, send);
    expect(calls).toEqual([[1]]);
    await answerNext();
    await sending;
    // Nothing under way any more: the next one goes at once too, with its own promise.
    expect(batcher.add("t", 2, send)).toBeInstanceOf(Promise);
    expect(calls).toEqual([[1], [2]]);
  });

  it("sends the releases that end while a call is under way together in the next, from the request that sent the first", async () => {
    const batcher = new ReleaseBatcher<number>();
    const { calls, send, answerNext } = heldSend();
    const first = batcher.add("t", 1, send);
    expect([2, 3, 4].map((i) => batcher.add("t", i, send))).toEqual([undefined, undefined, undefined]);
    // Another controller is not held up by this one.
    const other = heldSend();
    expect(batcher.add("u", 9, other.send)).toBeInstanceOf(Promise);
    expect(other.calls).toEqual([[9]]);
    await answerNext();
    expect(calls).toEqual([[1], [2, 3, 4]]);
    expect(batcher.add("t", 5, send)).toBeUndefined();
    await answerNext();
    expect(calls).toEqual([[1], [2, 3, 4], [5]]);
    await answerNext();
    await first;
    expect(calls).toHaveLength(3);
  });

  it("splits a queue longer than the batch size, and a request sends its share of calls, then the next release starts anew", async () => {
    const batcher = new ReleaseBatcher<number>(2, 2);
    const { calls, send, answerNext } = heldSend();
    const first = batcher.add("t", 1, send);
    [2, 3, 4, 5, 6].forEach((i) => batcher.add("t", i, send));
    await answerNext(); // call 2 of 2 carries [2, 3]
    expect(calls).toEqual([[1], [2, 3]]);
    await answerNext(); // its share used: what is left goes out, in batches of 2
    expect(calls).toEqual([[1], [2, 3], [4, 5]]);
    // Meanwhile a new release finds nothing under way (the first request let go) and sends at once.
    expect(batcher.add("t", 7, send)).toBeInstanceOf(Promise);
    expect(calls).toEqual([[1], [2, 3], [4, 5], [7]]);
    await answerNext();
    await answerNext();
    await answerNext();
    await first;
    expect(calls.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
