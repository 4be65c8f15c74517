import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listQueryKey } from "../../../worker/cache/task-read-keys";
import { TASK_PRIORITIES, TASK_SORTS, TASK_STATUSES, TaskListQuerySchema, type TaskListQuery } from "../../../worker/schemas/task";

/** Raw query strings as a client sends them; validation turns them into a TaskListQuery. */
const subset = <T extends string>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });
const raw = fc.record(
  {
    status: subset(TASK_STATUSES),
    priority: subset(TASK_PRIORITIES),
    assigneeId: fc.constantFrom("u1", "u2"),
    dueAfter: fc.constantFrom("2030-01-01T00:00:00Z", "2030-01-01T01:00:00+01:00", "2031-06-01T00:00:00Z"),
    dueBefore: fc.constantFrom("2030-02-01T00:00:00Z", "2032-01-01T00:00:00Z"),
    q: fc.constantFrom("alpha", "alpha beta"),
    sort: fc.constantFrom(...TASK_SORTS),
    limit: fc.integer({ min: 1, max: 100 }),
    cursor: fc.constantFrom("c1", "c2"),
  },
  { requiredKeys: [] },
);

const parse = (r: Record<string, unknown>): TaskListQuery =>
  TaskListQuerySchema.parse(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)])));

/** What the list query filters on, as plain data: two queries with the same meaning have the same. */
const meaning = (q: TaskListQuery) => ({
  status: q.status ? [...new Set(q.status)].sort() : null,
  priority: q.priority ? [...new Set(q.priority)].sort() : null,
  assigneeId: q.assigneeId ?? null,
  dueAfter: q.dueAfter ? Date.parse(q.dueAfter) : null,
  dueBefore: q.dueBefore ? Date.parse(q.dueBefore) : null,
  q: q.q ?? null,
  sort: q.sort,
  limit: q.limit,
  cursor: q.cursor ?? null,
});

describe("listQueryKey", () => {
  it("a comma list in another order or with repeats, or a default written out, gives the same key", () => {
    fc.assert(
      fc.property(raw, fc.boolean(), (r, spellDefaults) => {
        const reordered = { ...r, ...(r.status && { status: [...r.status].reverse().concat(r.status.length < TASK_STATUSES.length ? [r.status[0]!] : []) }), ...(r.priority && { priority: [...r.priority].reverse() }) };
        const withDefaults = spellDefaults ? { sort: "-createdAt", limit: 20, ...reordered } : reordered;
        const base = spellDefaults ? { sort: "-createdAt", limit: 20, ...r } : r;
        expect(listQueryKey(parse(withDefaults))).toBe(listQueryKey(parse(base)));
      }),
    );
  });

  it("two queries get the same key only when they filter, sort and page alike", () => {
    fc.assert(
      fc.property(raw, raw, (a, b) => {
        const [qa, qb] = [parse(a), parse(b)];
        expect(listQueryKey(qa) === listQueryKey(qb)).toBe(JSON.stringify(meaning(qa)) === JSON.stringify(meaning(qb)));
      }),
    );
  });
});
