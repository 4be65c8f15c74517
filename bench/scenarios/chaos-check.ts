// Pure pieces of the chaos scenario: what each answer tells a client (retry or not), and the
// one answer a retried write settled on, for the integrity check. Unit-tested; chaos.mjs does the I/O.
import type { Answer } from "./integrity-check.ts";

/** One HTTP answer as the client saw it; status 0: no answer (timeout or transport error). */
export interface Seen {
  status: number;
  contentType?: string;
  retryAfter?: string;
  /** The parsed body, when it was JSON. */
  body?: unknown;
}

/**
 * - success: 2xx;
 * - retry: a problem+json that says "come back": 429 or 503 with Retry-After, or 409
 *   idempotency-key-in-use with Retry-After (the first attempt is still running);
 * - no-answer: the client timed out or the connection failed; a keyed retry is safe;
 * - final: a problem+json 4xx that says retrying will not help;
 * - unexpected: anything else (a 5xx other than 503, a refusal without Retry-After, a body
 *   that is not a problem document with the answer's status).
 */
export type Verdict = "success" | "retry" | "no-answer" | "final" | "unexpected";

const RETRY_AFTER = /^\d+$/;

export function verdictOf(seen: Seen): Verdict {
  const { status } = seen;
  if (status === 0) return "no-answer";
  if (status >= 200 && status < 300) return "success";
  const body = seen.body as { status?: unknown; type?: unknown } | undefined;
  const problem = (seen.contentType ?? "").includes("application/problem+json") && body?.status === status && typeof body.type === "string";
  if (!problem) return "unexpected";
  const retryAfter = seen.retryAfter !== undefined && RETRY_AFTER.test(seen.retryAfter.trim());
  if (status === 429 || status === 503) return retryAfter ? "retry" : "unexpected";
  if (status === 409 && body.type === "/problems/idempotency-key-in-use") return retryAfter ? "retry" : "unexpected";
  if (status >= 400 && status < 500) return "final";
  return "unexpected";
}

export interface Attempt {
  status: number;
  /** The id a 201 named. */
  id?: string;
}

export interface Settled {
  answer: Answer;
  /** Two 201s for one key named different rows: the same write applied twice. */
  conflictingIds: boolean;
}

/**
 * The answer one logical write (every attempt with its Idempotency-Key) settled on:
 * - a 201 if any attempt got one (a replay must name the same row);
 * - otherwise "no answer" (status 0) if some attempt timed out: it may have committed;
 * - otherwise the last attempt's status: a definite failure, which must have written nothing.
 */
export function settle(attempts: readonly Attempt[]): Settled {
  const created = attempts.filter((a) => a.status === 201);
  if (created.length > 0) {
    const ids = new Set(created.map((a) => a.id));
    return { answer: { status: 201, id: created[0]!.id }, conflictingIds: ids.size > 1 };
  }
  if (attempts.length === 0 || attempts.some((a) => a.status === 0)) return { answer: { status: 0 }, conflictingIds: false };
  return { answer: { status: attempts[attempts.length - 1]!.status }, conflictingIds: false };
}

/** How long to wait before the next attempt: Retry-After (seconds, capped), at least `minMs`, with jitter in [0.5, 1.5). */
export function backoffMs(retryAfter: string | undefined, attempt: number, random: number, { minMs = 100, capMs = 2000 } = {}): number {
  const asked = retryAfter !== undefined && RETRY_AFTER.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : minMs * 2 ** (attempt - 1);
  return Math.round(Math.min(capMs, Math.max(minMs, asked)) * (0.5 + random));
}
