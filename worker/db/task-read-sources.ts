import type { VersionedSource } from "../cache/read-through";
import type { TaskListQuery } from "../schemas/task";
import type { Db } from "./client";
import { dataVersionQuery, readDataVersion, versionOf } from "./data-version";
import { listQuery, pageOf, statsOf, statsQuery, type TimedStats } from "./tasks-repo";

/**
 * Task reads as versioned sources for the isolate caches: the value and the tenant's data
 * version in one D1 batch (one round trip, one transaction), or the version alone.
 */

/** A list page, as the JSON the route answers with (a hit then costs no serialisation). */
export function pageSource(db: Db, tenantId: string, query: TaskListQuery): VersionedSource<string> {
  // Built now, so a bad cursor or search text is a 400 before any round trip (or any 304).
  const page = listQuery(db, tenantId, query);
  return {
    version: () => readDataVersion(db, tenantId),
    valueWithVersion: async () => {
      const [version, rows] = await db.batch([dataVersionQuery(db, tenantId), page]);
      return { version: versionOf(version), value: JSON.stringify(pageOf(rows, query)) };
    },
  };
}

export function statsSource(db: Db, tenantId: string, now: () => number): VersionedSource<TimedStats> {
  return {
    version: () => readDataVersion(db, tenantId),
    valueWithVersion: async () => {
      const at = now();
      const [version, groups] = await db.batch([dataVersionQuery(db, tenantId), statsQuery(db, tenantId, at)]);
      return { version: versionOf(version), value: statsOf(groups, at) };
    },
  };
}
