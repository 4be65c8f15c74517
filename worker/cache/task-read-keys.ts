import type { TaskListQuery } from "../schemas/task";

/**
 * The canonical form of a validated list query: the cache key of its page and part of the
 * page's ETag. Queries that must answer alike map to one key (a comma list in any order or
 * with repeats, a default written out or left out: validation has filled those in), and any
 * two that may answer differently map to different keys. Pure: no Workers API.
 */
export function listQueryKey(query: TaskListQuery): string {
  const set = (values: readonly string[] | undefined) => (values ? [...new Set(values)].sort() : null);
  // A fixed field order: JSON.stringify of an array, never of the caller's object.
  return JSON.stringify([
    set(query.status),
    set(query.priority),
    query.assigneeId ?? null,
    query.dueAfter === undefined ? null : Date.parse(query.dueAfter),
    query.dueBefore === undefined ? null : Date.parse(query.dueBefore),
    query.q ?? null,
    query.sort,
    query.limit,
    query.cursor ?? null,
  ]);
}
