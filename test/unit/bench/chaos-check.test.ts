import { describe, expect, it } from "vitest";
import { backoffMs, settle, verdictOf } from "../../../bench/scenarios/chaos-check";

const problem = (status: number, type = "/problems/overloaded") => ({ status, type, title: "t", detail: "d" });
const PJ = "application/problem+json";

describe("chaos verdicts", () => {
  it("429 and 503 problems with Retry-After say retry; without it, or without a problem body, they are unexpected", () => {
    expect(verdictOf({ status: 503, contentType: PJ, retryAfter: "1", body: problem(503) })).toBe("retry");
    expect(verdictOf({ status: 429, contentType: PJ, retryAfter: "12", body: problem(429, "/problems/rate-limited") })).toBe("retry");
    expect(verdictOf({ status: 503, contentType: PJ, body: problem(503) })).toBe("unexpected");
    expect(verdictOf({ status: 503, contentType: "text/plain", retryAfter: "1" })).toBe("unexpected");
    expect(verdictOf({ status: 503, contentType: PJ, retryAfter: "1", body: problem(500) })).toBe("unexpected");
    expect(verdictOf({ status: 503, contentType: PJ, retryAfter: "soon", body: problem(503) })).toBe("unexpected");
  });

  it("a 409 says retry only for a key still in use; other 4xx problems are final; 500 and no answer are told apart", () => {
    expect(verdictOf({ status: 409, contentType: PJ, retryAfter: "1", body: problem(409, "/problems/idempotency-key-in-use") })).toBe("retry");
    expect(verdictOf({ status: 409, contentType: PJ, body: problem(409, "/problems/conflict") })).toBe("final");
    expect(verdictOf({ status: 422, contentType: PJ, body: problem(422, "/problems/idempotency-key-reused") })).toBe("final");
    expect(verdictOf({ status: 500, contentType: PJ, body: problem(500, "/problems/internal") })).toBe("unexpected");
    expect(verdictOf({ status: 0 })).toBe("no-answer");
    expect(verdictOf({ status: 201 })).toBe("success");
  });
});

describe("settling a retried write", () => {
  it("a 201 wins, and two 201s naming different rows are flagged", () => {
    expect(settle([{ status: 503 }, { status: 0 }, { status: 201, id: "a" }])).toEqual({ answer: { status: 201, id: "a" }, conflictingIds: false });
    expect(settle([{ status: 201, id: "a" }, { status: 201, id: "a" }]).conflictingIds).toBe(false);
    expect(settle([{ status: 201, id: "a" }, { status: 201, id: "b" }]).conflictingIds).toBe(true);
  });

  it("without a 201, any unanswered attempt makes the outcome unknown; otherwise the last answer stands", () => {
    expect(settle([{ status: 0 }, { status: 503 }]).answer).toEqual({ status: 0 });
    expect(settle([{ status: 503 }, { status: 409 }]).answer).toEqual({ status: 409 });
    expect(settle([{ status: 503 }, { status: 503 }]).answer).toEqual({ status: 503 });
    expect(settle([]).answer).toEqual({ status: 0 });
  });
});

describe("retry backoff", () => {
  it("follows Retry-After within [min, cap], doubles without it, and jitters by ±50 %", () => {
    expect(backoffMs("1", 1, 0.5)).toBe(1000);
    expect(backoffMs("30", 1, 0.5)).toBe(2000);
    expect(backoffMs("0", 1, 0.5)).toBe(100);
    expect(backoffMs(undefined, 3, 0.5)).toBe(400);
    expect(backoffMs("1", 1, 0)).toBe(500);
    expect(backoffMs("1", 1, 0.999)).toBe(1499);
  });
});
