import { STATS_SNAPSHOT_MAX_AGE_MS } from "../admission/degradation";
import type { TaskStats } from "../db/tasks-repo";
import { isolateCaches } from "./isolate-caches";

/**
 * The last computed stats per tenant, in this isolate. Fresh stats are always stored; under
 * load a snapshot younger than STATS_SNAPSHOT_MAX_AGE_MS is served instead of a new query.
 * With CACHE_STRATEGY=off nothing is stored, so no snapshot is ever served.
 */
export const statsSnapshots = isolateCaches.define<TaskStats>("stats", { ttlMs: STATS_SNAPSHOT_MAX_AGE_MS });
