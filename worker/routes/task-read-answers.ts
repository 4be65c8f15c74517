import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { AppEnv } from "../app-env";
import type { CachedRead, ReadResult } from "../cache/read-through";
import type { TaskPage, TaskStats, TimedStats } from "../db/tasks-repo";
import { ifNoneMatchHits, listEtag, statsEtag } from "../lib/entity-tag";
import { toIso } from "../schemas/common";

/**
 * Answers of the cached task reads: the ETag from the tenant's data version on every one, and
 * 304 Not Modified (no body) when If-None-Match already names it (RFC 9110 15.4.5: a 304 carries
 * the ETag, and here every header the 200 would, X-Degraded and Age included).
 */
type Ctx = Context<AppEnv, string, object>;
type JsonResponse<T> = Response & TypedResponse<JSONParsed<T>, 200, "json">;
type NotModified = Response & TypedResponse<null, 304, "body">;

export const notModified = (c: Ctx): NotModified => c.body(null, 304) as NotModified;

const conditional = (c: Ctx, etag: string): boolean => {
  c.header("etag", etag);
  return ifNoneMatchHits(c.req.header("if-none-match"), etag);
};

/** Whether the client's copy of this page is current; sets the page's ETag either way. */
export const pageUnchanged = (c: Ctx, tenantId: string, version: number, queryKey: string): boolean =>
  conditional(c, listEtag(tenantId, version, queryKey));

/** A page as stored: its JSON text, sent as it is. */
export function pageAnswer(c: Ctx, read: ReadResult<string>, tenantId: string, queryKey: string): JsonResponse<TaskPage> | NotModified {
  if (pageUnchanged(c, tenantId, read.version, queryKey)) return notModified(c);
  // The text is what JSON.stringify made of a TaskPage (db/task-read-sources.ts).
  return c.body(read.value, 200, { "content-type": "application/json" }) as unknown as JsonResponse<TaskPage>;
}

function statsBody(c: Ctx, tenantId: string, version: number, timed: TimedStats, asOf: number): JsonResponse<TaskStats> | NotModified {
  if (conditional(c, statsEtag(tenantId, version, timed.stats.overdue))) return notModified(c);
  return c.json({ ...timed.stats, asOf: toIso(asOf) }, 200);
}

/** Current stats: `asOf` is when they were last known to be the data in D1. */
export const statsAnswer = (c: Ctx, tenantId: string, read: ReadResult<TimedStats>) => statsBody(c, tenantId, read.version, read.value, read.verifiedAt);

/**
 * Stats from this isolate's snapshot while the tenant is under load, without asking D1 whether
 * they are current: marked `X-Degraded: stats-snapshot`, with `Age` (seconds since they were
 * last known current, RFC 9111 5.1) and that instant as `asOf`.
 */
export function snapshotAnswer(c: Ctx, tenantId: string, snapshot: CachedRead<TimedStats>, now: number) {
  c.header("x-degraded", "stats-snapshot");
  c.header("age", String(Math.max(0, Math.floor((now - snapshot.verifiedAt) / 1000))));
  return statsBody(c, tenantId, snapshot.version, snapshot.value, snapshot.verifiedAt);
}
