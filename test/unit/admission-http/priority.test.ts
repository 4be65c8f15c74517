import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REQUEST_PRIORITIES } from "../../../durable-objects/contracts/admission";
import { isHigher, requestPriority } from "../../../worker/admission/priority";

describe("request priority", () => {
  it("reads X-Priority first, then RFC 9218 urgency, then the route's declared default", () => {
    expect(requestPriority({ xPriority: "Critical", priority: "u=7" }, "normal", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=0" }, "normal", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=1, i" }, "normal", "critical")).toBe("critical");
    expect(requestPriority({ priority: "u=2" }, "normal", "critical")).toBe("high");
    expect(requestPriority({ priority: "i, u=4" }, "low", "critical")).toBe("normal");
    expect(requestPriority({ priority: "u=5" }, "normal", "critical")).toBe("low");
    expect(requestPriority({}, "low", "critical")).toBe("low");
    expect(requestPriority({}, "high", "critical")).toBe("high");
  });

  it("ignores malformed hints instead of failing the request", () => {
    expect(requestPriority({ xPriority: "urgent", priority: "u=9" }, "normal", "critical")).toBe("normal");
    expect(requestPriority({ priority: "u=12" }, "high", "critical")).toBe("high");
  });

  it("never exceeds the tenant's maxPriority, and never raises a request", () => {
    const priority = fc.constantFrom(...REQUEST_PRIORITIES);
    fc.assert(
      fc.property(priority, priority, priority, (asked, max, routeDefault) => {
        const got = requestPriority({ xPriority: asked }, routeDefault, max);
        expect(isHigher(got, max)).toBe(false);
        expect(isHigher(got, asked)).toBe(false);
      }),
    );
  });
});
