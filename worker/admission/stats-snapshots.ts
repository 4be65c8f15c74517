import type { TaskStats } from "../db/tasks-repo";
import { TtlCache } from "../lib/ttl-cache";
import { STATS_SNAPSHOT_MAX_AGE_MS } from "./degradation";

/**
 * The last computed stats per tenant, in this isolate. Fresh stats are always stored; under
 * load a snapshot younger than STATS_SNAPSHOT_MAX_AGE_MS is served instead of a new query.
 */
export const statsSnapshots = new TtlCache<string, TaskStats>(STATS_SNAPSHOT_MAX_AGE_MS, 10_000);
