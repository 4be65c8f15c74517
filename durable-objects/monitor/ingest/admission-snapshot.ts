/**
 * Builds the Monitor's AdmissionSnapshot from what an AdmissionController already has:
 * its `stats()` document, its id, its tenant, when the instance started, and the queue
 * waits it measured since the previous snapshot (then reset them).
 */
import type { AdmissionStats, RequestPriority } from "../../contracts/admission";
import type { AdmissionSnapshot } from "../../contracts/telemetry";
import { emptySketch, type SketchWire } from "../windows/sketch";

export function admissionSnapshotFromStats(
  stats: AdmissionStats,
  identity: { source: string; tenant: string; startedAt: number },
  queueWait: Partial<Record<RequestPriority, SketchWire>> = {},
): AdmissionSnapshot {
  return {
    v: 1,
    source: identity.source,
    tenant: identity.tenant,
    at: stats.at,
    startedAt: identity.startedAt,
    limit: stats.limit,
    inflight: stats.inflight,
    queued: { ...stats.queued },
    tokens: stats.tokens,
    loadLevel: stats.loadLevel,
    decisions: structuredClone(stats.decisions),
    queueWait: {
      critical: queueWait.critical ?? emptySketch(),
      high: queueWait.high ?? emptySketch(),
      normal: queueWait.normal ?? emptySketch(),
      low: queueWait.low ?? emptySketch(),
    },
    serviceRatePerSec: stats.serviceRatePerSec,
    completionRatePerSec: stats.completionRatePerSec,
    ...(stats.leases ? { leases: { ...stats.leases } } : {}),
    ...(stats.shards !== undefined ? { shards: stats.shards } : {}),
  };
}
