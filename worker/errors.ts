import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "./config";
import { isDatabaseUnavailable, isInjectedD1Error } from "./db/unavailable";

/**
 * Every failure leaves the API as RFC 9457 problem+json through `problemResponse`.
 * Handlers throw `ApiError`; the app's single `onError` turns anything thrown into a problem,
 * and never lets a stack trace or SQL text reach the client.
 */

export const PROBLEMS = {
  invalid_input: { status: 400, title: "Invalid input" },
  malformed_json: { status: 400, title: "Malformed JSON" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Conflict" },
  idempotency_key_in_use: { status: 409, title: "Idempotency key in use" },
  precondition_failed: { status: 412, title: "Precondition failed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  idempotency_key_reused: { status: 422, title: "Idempotency key reused" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  misconfigured: { status: 500, title: "Server misconfigured" },
  overloaded: { status: 503, title: "Service overloaded" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  /** JSON pointer-ish dotted path of the offending field, e.g. `body.operations.3.title`. */
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly code: ProblemCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    // An ApiError is an answer, not a bug: its stack is never logged (onError), and capturing
    // one was the dearest step of a refusal under flood.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export const notFound = (what: string): ApiError => new ApiError("not_found", `${what} not found`);

export function problemBody(code: ProblemCode, detail: string, errors?: FieldError[], extensions: Record<string, unknown> = {}): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return { type: `/problems/${code.replaceAll("_", "-")}`, title, status, detail, ...(errors ? { errors } : {}), ...extensions };
}

/** The problem+json text of an error, as every refusal and failure carries it. */
export function problemJson(error: ApiError): string {
  return JSON.stringify({ ...problemBody(error.code, error.message, error.errors, error.extensions), status: error.status });
}

/** Maps anything thrown to an ApiError; unknown errors become an opaque 500. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // hono's own validators and body parsers throw these for client mistakes.
    if (err.status === 400 && /json/i.test(err.message)) return new ApiError("malformed_json", "The request body is not valid JSON");
    const code = (Object.keys(PROBLEMS) as ProblemCode[]).find((c) => PROBLEMS[c].status === err.status) ?? "invalid_input";
    return new ApiError(code, err.message || PROBLEMS[code].title);
  }
  if (err instanceof ConfigError) return new ApiError("misconfigured", err.message);
  // The database did not answer: a failure of this moment, not of the request, so say "retry".
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return new ApiError("internal", "An unexpected error occurred; it has been logged");
}

/**
 * A D1 call failed without an answer. A write whose batch failed did not commit (one batch is
 * one transaction); a retry with the same Idempotency-Key is applied at most once either way.
 */
export const databaseUnavailable = (): ApiError =>
  new ApiError("unavailable", "The database did not answer; retry after the time in Retry-After (a write with the same Idempotency-Key is applied at most once)", {
    headers: { "retry-after": "1" },
    extensions: { reason: "database_unavailable" },
  });

export function onError(err: unknown, c: Context): Response {
  const apiError = toApiError(err);
  // Client mistakes and deliberate ApiErrors (shed, injected faults) are answers, not bugs:
  // only unexpected server failures (an opaque 500, a real D1 outage) are logged.
  if (!(err instanceof ApiError) && apiError.status >= 500 && !isInjectedD1Error(err)) {
    // Full detail goes to the logs (wrangler tail / dashboard), never to the client.
    console.error(JSON.stringify({ level: "error", path: c.req.path, method: c.req.method, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
  }
  // Through the context, so headers set before the failure (RateLimit, X-Degraded) stay on it.
  return c.body(problemJson(apiError), apiError.status as ContentfulStatusCode, { "content-type": "application/problem+json", ...apiError.headers });
}
