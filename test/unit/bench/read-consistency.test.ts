import { describe, expect, it } from "vitest";
import { staleReads, type ReadRecord, type WriteRecord } from "../../../bench/lib/read-consistency";

const create = (id: string, startedAt: number, endedAt: number, createdAt = startedAt, ok: WriteRecord["ok"] = true): WriteRecord => ({ kind: "create", id, startedAt, endedAt, ok, createdAt });
const item = (id: string, createdAt: number, version = 1) => ({ id, version, createdAt: new Date(createdAt).toISOString() });
const stats = (total: number, startedAt: number, endedAt = startedAt + 1): ReadRecord => ({ kind: "stats", path: "/v1/tasks/stats", startedAt, endedAt, total });

describe("staleReads", () => {
  it("stats: a read sent after a create completed must count it; one that overlapped the create may or may not", () => {
    const writes = [create("a", 10, 20)];
    expect(staleReads(writes, [stats(5, 21)], 5)).toHaveLength(1);
    expect(staleReads(writes, [stats(6, 21)], 5)).toEqual([]);
    expect(staleReads(writes, [stats(5, 15), stats(6, 15)], 5)).toEqual([]);
    expect(staleReads(writes, [stats(7, 21)], 5)).toHaveLength(1);
  });

  it("stats: a completed delete must be gone; a failed write changes nothing; an unanswered one may have", () => {
    const writes: WriteRecord[] = [{ kind: "delete", id: "a", startedAt: 10, endedAt: 20, ok: true }, create("b", 10, 20, 10, false), create("c", 10, 20, 10, "unknown")];
    // After both: 5 - 1 (a) + 0 (b failed) + 0 or 1 (c unanswered) = 4 or 5.
    expect(staleReads(writes, [stats(6, 21)], 5)).toHaveLength(1);
    expect(staleReads(writes, [stats(3, 21)], 5)).toHaveLength(1);
    expect(staleReads(writes, [stats(4, 21), stats(5, 21), stats(6, 15)], 5)).toEqual([]);
  });

  it("lists: a deleted task or an old version after the write completed is stale", () => {
    const writes: WriteRecord[] = [
      { kind: "delete", id: "a", startedAt: 10, endedAt: 20, ok: true },
      { kind: "update", id: "b", startedAt: 10, endedAt: 20, ok: true, version: 3 },
    ];
    const list = (startedAt: number, items: ReturnType<typeof item>[]): ReadRecord => ({ kind: "list", path: "/v1/tasks", startedAt, endedAt: startedAt + 1, items });
    expect(staleReads(writes, [list(21, [item("a", 0)])], 0)).toHaveLength(1);
    expect(staleReads(writes, [list(21, [item("b", 0, 2)])], 0)).toHaveLength(1);
    expect(staleReads(writes, [list(21, [item("b", 0, 3)]), list(15, [item("a", 0), item("b", 0, 2)])], 0)).toEqual([]);
  });

  it("the newest-first page must hold every completed create newer than its oldest task", () => {
    const writes = [create("new", 100, 110, 100), create("old", 1, 2, 1)];
    const page = (startedAt: number, items: ReturnType<typeof item>[]): ReadRecord => ({ kind: "list", path: "/v1/tasks?limit=2", startedAt, endedAt: startedAt + 1, items, newestFirstPage: 2 });
    expect(staleReads(writes, [page(111, [item("x", 50), item("y", 40)])], 0)).toHaveLength(1);
    expect(staleReads(writes, [page(111, [item("new", 100), item("x", 50)]), page(105, [item("x", 50), item("y", 40)])], 0)).toEqual([]);
    // "old" is older than a full page's oldest task: not expected on it.
    expect(staleReads(writes, [page(111, [item("new", 100), item("x", 50)])], 0)).toEqual([]);
  });
});
