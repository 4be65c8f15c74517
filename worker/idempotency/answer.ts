import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import type { StoredAnswer } from "../db/idempotency-repo";

/**
 * A write's response in the form it is stored for replays: the first response and every replay
 * are built from the same value, so they carry the same bytes.
 */
export interface Answer<S extends StatusCode = StatusCode, T = unknown> extends StoredAnswer {
  status: S;
  /** Type only: what `body` holds as JSON, so a route's declared responses are checked against it. */
  readonly json?: T;
}

export type AnswerResponse<S extends StatusCode, T> = Response & TypedResponse<JSONParsed<T>, S, "json">;

/** `headers`: only those a replay must repeat (etag, location); content-type is added. */
export function jsonAnswer<S extends ContentfulStatusCode, T>(status: S, value: T, headers: Record<string, string> = {}): Answer<S, T> {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

export const noContent: Answer<204, null> = { status: 204, headers: {}, body: null };

export function answerResponse<S extends StatusCode, T>(c: Context, answer: Answer<S, T>, replayed: boolean): AnswerResponse<S, T> {
  const headers = replayed ? { ...answer.headers, "idempotent-replayed": "true" } : answer.headers;
  // Through the context, so headers set before (RateLimit, Server-Timing) stay on the answer.
  const response = answer.body === null ? c.body(null, answer.status, headers) : c.body(answer.body, answer.status as ContentfulStatusCode, headers);
  // The typed form is what `answer.json` says the body holds: jsonAnswer serialised it.
  return response as unknown as AnswerResponse<S, T>;
}
