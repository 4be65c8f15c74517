// Pure: which reads of the read-heavy scenario saw data older than a write that had completed
// before they were sent. Client times only: a write whose answer arrived before a read was sent
// committed before the server saw that read, whatever the server's clock says.

export interface WriteRecord {
  kind: "create" | "update" | "delete";
  id: string;
  startedAt: number;
  endedAt: number;
  /** true: 2xx; false: refused, nothing written; "unknown": no answer (it may have written). */
  ok: boolean | "unknown";
  /** create: the task's createdAt (ms); update: the task's new version. */
  createdAt?: number;
  version?: number;
}

export interface ListItem {
  id: string;
  version: number;
  createdAt: string;
}

export type ReadRecord =
  | { kind: "stats"; path: string; startedAt: number; endedAt: number; total: number }
  | {
      kind: "list";
      path: string;
      startedAt: number;
      endedAt: number;
      items: ListItem[];
      /** The first page of the unfiltered list, newest first, of this size: every newer create must be on it. */
      newestFirstPage?: number;
    };

export interface StaleRead {
  path: string;
  startedAt: number;
  why: string;
}

/** Sorted times, and how many are below a bound (binary search). */
function counter(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return (below: number) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < below) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Every read checked against the writes of the same phase. `baseTotal`: the tenant's task
 * count when the phase began (no write running then).
 * - stats: total ≥ base + creates completed before the read − deletes that may have committed
 *   before it ended, and ≤ base + creates that may have committed − deletes completed before it;
 * - any list: no task whose delete had completed; no task at a version below an update that
 *   had completed;
 * - the unfiltered newest-first first page: every create that had completed and is newer
 *   than the page's oldest task (when the page is full) is on it, unless a delete of it began.
 */
export function staleReads(writes: readonly WriteRecord[], reads: readonly ReadRecord[], baseTotal: number): StaleRead[] {
  const creates = writes.filter((w) => w.kind === "create");
  const deletes = writes.filter((w) => w.kind === "delete");
  const createsDone = counter(creates.filter((w) => w.ok === true).map((w) => w.endedAt));
  const createsMaybe = counter(creates.filter((w) => w.ok !== false).map((w) => w.startedAt));
  const deletesDone = counter(deletes.filter((w) => w.ok === true).map((w) => w.endedAt));
  const deletesMaybe = counter(deletes.filter((w) => w.ok !== false).map((w) => w.startedAt));
  const deleteOf = new Map(deletes.filter((w) => w.ok !== false).map((w) => [w.id, w]));
  const updatesOf = new Map<string, WriteRecord[]>();
  for (const w of writes) if (w.kind === "update" && w.ok === true) updatesOf.set(w.id, [...(updatesOf.get(w.id) ?? []), w]);
  const newestCreates = creates.filter((w) => w.ok === true && w.createdAt !== undefined).sort((a, b) => b.createdAt! - a.createdAt!);

  const stale: StaleRead[] = [];
  for (const r of reads) {
    const flag = (why: string) => stale.push({ path: r.path, startedAt: r.startedAt, why });
    if (r.kind === "stats") {
      const lo = baseTotal + createsDone(r.startedAt) - deletesMaybe(r.endedAt);
      const hi = baseTotal + createsMaybe(r.endedAt) - deletesDone(r.startedAt);
      if (r.total < lo || r.total > hi) flag(`total ${r.total} outside [${lo}, ${hi}]`);
      continue;
    }
    const ids = new Set<string>();
    for (const item of r.items) {
      ids.add(item.id);
      const deleted = deleteOf.get(item.id);
      if (deleted?.ok === true && deleted.endedAt < r.startedAt) flag(`${item.id} was deleted before the read`);
      const floor = Math.max(0, ...(updatesOf.get(item.id) ?? []).filter((u) => u.endedAt < r.startedAt).map((u) => u.version ?? 0));
      if (item.version < floor) flag(`${item.id} at version ${item.version}, updated to ${floor} before the read`);
    }
    if (r.newestFirstPage === undefined) continue;
    const oldest = r.items.length >= r.newestFirstPage ? Math.min(...r.items.map((i) => Date.parse(i.createdAt))) : -Infinity;
    for (const c of newestCreates) {
      if (c.createdAt! <= oldest) break;
      if (c.endedAt >= r.startedAt || ids.has(c.id)) continue;
      const deleted = deleteOf.get(c.id);
      if (deleted && deleted.startedAt < r.endedAt) continue;
      flag(`${c.id}, created before the read, is missing`);
    }
  }
  return stale;
}
