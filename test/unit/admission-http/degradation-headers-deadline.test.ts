import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors";
import { requestDeadline } from "../../../worker/admission/deadline";
import { cappedPageSize, PAGE_SIZE_CAPS, searchRefused, underLoad } from "../../../worker/admission/degradation";
import { rateLimitHeaders, retryAfterSeconds } from "../../../worker/admission/headers";

describe("graceful degradation", () => {
  it("caps the page size by load level and says when it did", () => {
    expect(PAGE_SIZE_CAPS).toEqual({ normal: 100, elevated: 25, overloaded: 10 });
    expect(cappedPageSize(50, "normal")).toEqual({ limit: 50, degraded: false });
    expect(cappedPageSize(25, "elevated")).toEqual({ limit: 25, degraded: false });
    expect(cappedPageSize(26, "elevated")).toEqual({ limit: 25, degraded: true });
    expect(cappedPageSize(50, "overloaded")).toEqual({ limit: 10, degraded: true });
  });

  it("refuses search to low priority only, and only once a queue stands (overloaded)", () => {
    expect([underLoad("normal"), underLoad("elevated"), underLoad("overloaded")]).toEqual([false, true, true]);
    expect(searchRefused("normal", "low")).toBe(false);
    expect(searchRefused("elevated", "low")).toBe(false);
    expect(searchRefused("overloaded", "low")).toBe(true);
    expect(searchRefused("overloaded", "normal")).toBe(false);
  });
});

describe("rate-limit headers", () => {
  it("writes the IETF RateLimit and RateLimit-Policy fields, remaining rounded down and reset rounded up, never negative", () => {
    expect(rateLimitHeaders({ quota: 100, windowSeconds: 60, remaining: 41.9, resetSeconds: 16.2 })).toEqual({
      "ratelimit-policy": '"default";q=100;w=60',
      ratelimit: '"default";r=41;t=17',
    });
    expect(rateLimitHeaders({ quota: 5, windowSeconds: 1, remaining: -0.5, resetSeconds: -3 }).ratelimit).toBe('"default";r=0;t=0');
  });

  it("rounds Retry-After up to whole seconds, at least one", () => {
    expect([0, 1, 999, 1000, 1001, 2500].map(retryAfterSeconds)).toEqual(["1", "1", "1", "1", "2", "3"]);
  });
});

describe("requestDeadline", () => {
  const now = 1_000_000;
  it("uses the tenant's timeout, or a smaller client budget, never a larger one", () => {
    expect(requestDeadline(now, 30_000, undefined)).toBe(now + 30_000);
    expect(requestDeadline(now, 30_000, "1")).toBe(now + 1);
    expect(requestDeadline(now, 30_000, "500")).toBe(now + 500);
    expect(requestDeadline(now, 30_000, "60000")).toBe(now + 30_000);
  });

  it("refuses a header that is not a positive whole number of milliseconds as invalid input", () => {
    for (const bad of ["0", "-5", "1.5", "soon", ""]) {
      let thrown: unknown;
      try {
        requestDeadline(now, 30_000, bad);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, bad).toBeInstanceOf(ApiError);
      expect(thrown).toMatchObject({ code: "invalid_input", message: "X-Request-Timeout-Ms must be a positive integer of milliseconds" });
      expect((thrown as ApiError).errors).toEqual([{ path: "header.x-request-timeout-ms", message: "must be a positive integer" }]);
    }
  });
});
