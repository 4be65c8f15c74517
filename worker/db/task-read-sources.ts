import type { VersionedSource } from "../cache/read-through";
import type { TaskListQuery } from "../schemas/task";
import type { Db } from "./client";
import { dataVersionQuery, versionOf } from "./data-version";
import { listQuery, pageOf, statsOf, statsQuery, type TimedStats } from "./tasks-repo";

/**
 * Task reads as versioned sources for the isolate caches: the value and the tenant's data
 * version in one D1 batch (one round trip, one transaction), or the version alone.
 */

/**
 * A list page, as the JSON the route answers with (a hit then costs no serialisation).
 * `version`: how the version alone is read (readDataVersion, maybe shared with other requests).
 */
export function pageSource(db: Db, tenantId: string, query: TaskListQuery, version: () => Promise<number>): VersionedSource<string> {
  // Built now, so a bad cursor or search text is a 400 before any round trip (or any 304).
  const page = listQuery(db, tenantId, query);
  return {
    version,
    valueWithVersion: async () => {
      const [versionRows, rows] = await db.batch([dataVersionQuery(db, tenantId), page]);
      return { version: versionOf(versionRows), value: JSON.stringify(pageOf(rows, query)) };
    },
  };
}

export function statsSource(db: Db, tenantId: string, now: () => number, version: () => Promise<number>): VersionedSource<TimedStats> {
  return {
    version,
    valueWithVersion: async () => {
      const at = now();
      const [versionRows, groups] = await db.batch([dataVersionQuery(db, tenantId), statsQuery(db, tenantId, at)]);
      return { version: versionOf(versionRows), value: statsOf(groups, at) };
    },
  };
}
