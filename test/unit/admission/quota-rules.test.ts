import { describe, expect, it } from "vitest";
import type { AcquireRequest, Quota } from "../../../durable-objects/contracts/admission";
import { assertValidQuota, assertValidRequest, capPriority, limitAlgorithmOf } from "../../../durable-objects/admission/quota-rules";
import { request, T0, testQuota } from "./support";

describe("assertValidQuota", () => {
  it("accepts a sane quota, including a zero queue and equal concurrency bounds", () => {
    expect(() => assertValidQuota(testQuota({ queueSize: 0, minConcurrency: 3, maxConcurrency: 3 }))).not.toThrow();
  });

  const rate = testQuota().rateLimit;
  const broken: Array<[string, Partial<Quota>]> = [
    ["rateLimit.requests", { rateLimit: { ...rate, requests: 0 } }],
    ["rateLimit.windowMs", { rateLimit: { ...rate, windowMs: -1 } }],
    ["rateLimit.burst", { rateLimit: { ...rate, burst: Number.POSITIVE_INFINITY } }],
    ["timeoutMs", { timeoutMs: Number.NaN }],
    ["minConcurrency", { minConcurrency: 0 }],
    ["minConcurrency", { minConcurrency: 1.5 }],
    ["maxConcurrency", { minConcurrency: 3, maxConcurrency: 2 }],
    ["maxConcurrency", { maxConcurrency: 2.5 }],
    ["queueSize", { queueSize: -1 }],
    ["queueSize", { queueSize: 0.5 }],
    ["maxPriority", { maxPriority: "urgent" as Quota["maxPriority"] }],
  ];
  it.each(broken)("refuses a bad %s", (field, override) => {
    expect(() => assertValidQuota(testQuota(override))).toThrow(new RegExp(`quota\\.${field.replace(".", "\\.")} must`));
  });

  it("names the allowed priorities", () => {
    expect(() => assertValidQuota(testQuota({ maxPriority: "urgent" as Quota["maxPriority"] }))).toThrow("one of critical, high, normal, low");
  });
});

describe("assertValidRequest", () => {
  it("accepts a free request and refuses a bad priority, cost or deadline", () => {
    expect(() => assertValidRequest(request("low", T0, { cost: 0 }))).not.toThrow();
    const bad: Array<[RegExp, Partial<AcquireRequest>]> = [
      [/priority must be one of critical, high, normal, low, got urgent/, { priority: "urgent" as AcquireRequest["priority"] }],
      [/cost must be/, { cost: -1 }],
      [/cost must be/, { cost: Number.NaN }],
      [/deadline must be/, { deadline: Number.POSITIVE_INFINITY }],
    ];
    for (const [message, override] of bad) expect(() => assertValidRequest(request("low", T0, override))).toThrow(message);
  });
});

describe("capPriority and limitAlgorithmOf", () => {
  it("lowers a priority above the tenant's maximum to it, and leaves the rest", () => {
    expect(capPriority("critical", "high")).toBe("high");
    expect(capPriority("high", "high")).toBe("high");
    expect(capPriority("low", "high")).toBe("low");
  });

  it("defaults the limit algorithm to gradient2", () => {
    expect(limitAlgorithmOf(testQuota())).toBe("gradient2");
    expect(limitAlgorithmOf(testQuota({ limitAlgorithm: "aimd" }))).toBe("aimd");
  });
});
