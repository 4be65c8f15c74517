import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REQUEST_PRIORITIES } from "../../../durable-objects/admission/contract";
import { isHigher, requestPriority, ROUTE_PRIORITIES } from "../../../worker/admission/priority";

describe("request priority", () => {
  it("reads X-Priority first, then RFC 9218 urgency, then the route default", () => {
    expect(requestPriority({ xPriority: "Critical", priority: "u=7" }, "GET /v1/tasks", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=0" }, "GET /v1/tasks", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=1, i" }, "GET /v1/tasks", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=2" }, "GET /v1/tasks", "critical")).toBe("high");
    expect(requestPriority({ priority: "i, u=4" }, "GET /v1/tasks", "critical")).toBe("normal");
    expect(requestPriority({ priority: "u=5" }, "GET /v1/tasks", "critical")).toBe("low");
    expect(requestPriority({}, "GET /v1/tasks/stats", "critical")).toBe("low");
    expect(requestPriority({}, "POST /v1/tasks", "critical")).toBe("high");
    expect(requestPriority({}, "GET /unknown", "critical")).toBe("normal");
  });

  it("ignores malformed hints instead of failing the request", () => {
    expect(requestPriority({ xPriority: "urgent", priority: "u=9" }, "GET /v1/tasks", "critical")).toBe("normal");
    expect(requestPriority({ priority: "u=12" }, "POST /v1/tasks", "critical")).toBe("high");
  });

  it("never exceeds the tenant's maxPriority, and never raises a request", () => {
    const priority = fc.constantFrom(...REQUEST_PRIORITIES);
    fc.assert(
      fc.property(priority, priority, fc.constantFrom(...Object.keys(ROUTE_PRIORITIES)), (asked, max, route) => {
        const got = requestPriority({ xPriority: asked }, route, max);
        expect(isHigher(got, max)).toBe(false);
        expect(isHigher(got, asked)).toBe(false);
      }),
    );
  });
});
