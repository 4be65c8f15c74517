import { statsRefreshClaims, STATS_REFRESH_AFTER_MS } from "../admission/refresh-claims";
import { STATS_SNAPSHOT_MAX_AGE_MS } from "../admission/degradation";
import type { UnderLoadDecision, UnderLoadPolicy } from "../admission/route-admission";
import { snapshotAnswer } from "./task-read-answers";

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
  const now = Date.now();
  const stats = c.get("taskReads").stats;
  // Counted as a hit only if served: otherwise the handler's own lookup counts.
  const cached = stats.peek(tenantId);
  const snapshot = cached && now - cached.verifiedAt < STATS_SNAPSHOT_MAX_AGE_MS ? cached : undefined;
  const fresh = snapshot !== undefined && now - snapshot.verifiedAt < STATS_REFRESH_AFTER_MS;
  if (!fresh && statsRefreshClaims.claim(tenantId)) return { kind: "refresh", priority: "high" };
  if (!snapshot) return { kind: "admit" };
  stats.count("hit");
  return { kind: "answer", response: snapshotAnswer(c, tenantId, snapshot, now) };
};
