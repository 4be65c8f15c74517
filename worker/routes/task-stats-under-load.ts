import { statsRefreshClaims, STATS_REFRESH_AFTER_MS } from "../admission/refresh-claims";
import { statsSnapshots } from "../cache/stats-snapshots";
import type { UnderLoadDecision, UnderLoadPolicy } from "../admission/route-admission";

/**
 * GET /v1/tasks/stats while this isolate knows the tenant to be under load, before any round
 * trip to its controller. A snapshot in memory needs no D1 and so no slot:
 * - fresh snapshot (younger than STATS_REFRESH_AFTER_MS): served as it is;
 * - old or missing, and this request wins the isolate's refresh claim (one per 10 s per
 *   tenant): admitted at high priority and computed in full, so the rest stay answerable;
 * - old, claim already taken: the old snapshot is served while it lasts;
 * - missing, claim already taken: asked for like any other request.
 */
export const statsUnderLoad: UnderLoadPolicy = (c, _level): UnderLoadDecision => {
  const tenantId = c.get("tenant").id;
  const snapshot = statsSnapshots.get(tenantId);
  const fresh = snapshot !== undefined && Date.now() - Date.parse(snapshot.asOf) < STATS_REFRESH_AFTER_MS;
  if (!fresh && statsRefreshClaims.claim(tenantId)) return { kind: "refresh", priority: "high" };
  if (!snapshot) return { kind: "admit" };
  c.header("x-degraded", "stats-snapshot");
  return { kind: "answer", response: c.json(snapshot, 200) };
};
