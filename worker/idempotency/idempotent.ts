import type { Context } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env";
import type { Db } from "../db/client";
import { commitAlone, runBatch, type Commit } from "../db/commit";
import { isIdempotencyClaimLost } from "../db/constraint-errors";
import { claimKey, releaseClaim, storeAnswerStatements, storedAnswerOf, type KeyClaim } from "../db/idempotency-repo";
import { dbOf } from "../db/request-db";
import type { IdempotencyKeyRow } from "../db/schema";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { validationProblem } from "../routes/route-app";
import { IdempotencyKeyHeader } from "../schemas/idempotency";
import { answerResponse, type Answer, type AnswerResponse } from "./answer";

/** How long a stored answer is replayed (DESIGN.md section 10). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * How long a first request holds its key while it runs. Past it (its isolate died) the key is
 * free again; a request that outlives it cannot store its answer, so nothing it does commits.
 */
export const CLAIM_TTL_MS = 60_000;

/** What a write's handler gets: the request's database, and a Commit that stores its answer with it. */
export interface IdempotentWrite {
  db: Db;
  /** The Commit to hand the write: its statements and, when the request has a key, `answerOf(result)` stored in the same D1 batch. */
  commit<T>(answerOf: (result: T) => Answer): Commit<T>;
}

/**
 * Runs a write under the request's Idempotency-Key (DESIGN.md section 10), after admission:
 * - no key: the write, as is;
 * - a new key: claims it, runs the write, which stores the answer in its own transaction; a
 *   write that fails (4xx or 5xx) frees the key again, so only a committed write's answer is kept;
 * - a key with a stored answer and the same method, path and body: that answer again, marked
 *   `Idempotent-Replayed: true`, without running the write;
 * - a key first used for another method, path or body: 422;
 * - a key whose first request is still running: 409 with Retry-After.
 */
export async function idempotent<S extends StatusCode, T>(
  c: Context<AppEnv, string, object>,
  work: (write: IdempotentWrite) => Promise<Answer<S, T>>,
): Promise<AnswerResponse<S, T>> {
  const db = dbOf(c);
  const key = idempotencyKeyOf(c);
  if (key === undefined) return answerResponse(c, await work({ db, commit: () => commitAlone(db) }), false);

  const claim: KeyClaim = {
    tenantId: c.get("tenant").id,
    key,
    method: c.req.method,
    path: c.req.path,
    bodyHash: await sha256Hex(await c.req.text()),
    claimToken: crypto.randomUUID(),
  };
  const row = await claimKey(db, claim, Date.now(), CLAIM_TTL_MS);
  if (row.method !== claim.method || row.path !== claim.path || row.bodyHash !== claim.bodyHash) throw keyReused(row, claim);
  const stored = storedAnswerOf(row);
  // Stored by this route for this method and path: the status and body are the route's own.
  if (stored) return answerResponse(c, stored as Answer<S, T>, true);
  if (row.claimToken !== claim.claimToken) throw keyInUse("A request with this Idempotency-Key is still running; retry after the time in Retry-After");

  try {
    return answerResponse(c, await work({ db, commit: (answerOf) => commitStoring(db, claim, answerOf) }), false);
  } catch (err) {
    await freeKey(c, db, claim);
    throw err;
  }
}

/** Waits before each further try to free a key whose first release failed (D1 did not answer). */
const RELEASE_RETRY_DELAYS_MS = [250, 1000, 4000];

/**
 * Frees the key of a write that failed, so its retry runs afresh. If D1 does not answer (the
 * same outage that failed the write, often), it tries again off the response path; a client
 * retrying meanwhile gets 409 with Retry-After, and if every try fails the claim ends at its expiry.
 */
async function freeKey(c: Context<AppEnv, string, object>, db: Db, claim: KeyClaim): Promise<void> {
  const attempt = () => releaseClaim(db, claim).then(() => true, () => false);
  if (await attempt()) return;
  c.executionCtx.waitUntil(
    (async () => {
      for (const delayMs of RELEASE_RETRY_DELAYS_MS) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (await attempt()) return;
      }
      console.error(JSON.stringify({ level: "error", event: "idempotency_release_failed", tenant: claim.tenantId, claimTtlMs: CLAIM_TTL_MS }));
    })(),
  );
}

function commitStoring<T>(db: Db, claim: KeyClaim, answerOf: (result: T) => Answer): Commit<T> {
  return async (statements, result) => {
    const now = Date.now();
    try {
      await runBatch(db, [...storeAnswerStatements(db, claim, answerOf(result), now + IDEMPOTENCY_RETENTION_MS), ...statements]);
    } catch (err) {
      if (isIdempotencyClaimLost(err)) {
        throw keyInUse("This request outlived its hold on the Idempotency-Key and another request took it over; nothing was written");
      }
      throw err;
    }
  };
}

/** The validated header; routes declare it too, so a bad key is normally refused before admission. */
function idempotencyKeyOf(c: Context<AppEnv, string, object>): string | undefined {
  const parsed = IdempotencyKeyHeader.safeParse({ "idempotency-key": c.req.header("idempotency-key") });
  if (!parsed.success) throw validationProblem("header", parsed.error);
  return parsed.data["idempotency-key"];
}

function keyReused(row: IdempotencyKeyRow, claim: KeyClaim): ApiError {
  const first = row.method !== claim.method || row.path !== claim.path ? `for ${row.method} ${row.path}` : "with another request body";
  return new ApiError("idempotency_key_reused", `This Idempotency-Key was first used ${first}; send a new key for a new request`);
}

const keyInUse = (detail: string) => new ApiError("idempotency_key_in_use", detail, { headers: { "retry-after": "1" } });
