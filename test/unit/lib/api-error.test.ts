import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/errors";

describe("ApiError", () => {
  it("captures no stack frames (it is an answer, never logged), and leaves other errors' stacks alone", () => {
    const limit = Error.stackTraceLimit;
    const refusal = new ApiError("overloaded", "shed", { headers: { "retry-after": "1" } });
    expect(refusal.stack?.split("\n")).toHaveLength(1);
    expect(refusal).toMatchObject({ message: "shed", code: "overloaded", status: 503, headers: { "retry-after": "1" } });
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("a bug").stack?.split("\n").length).toBeGreaterThan(1);
  });
});
