import { describe, expect, it } from "vitest";
import { serverTimingMs } from "../../../bench/lib/server-timing";

describe("serverTimingMs", () => {
  const headers = { "server-timing": "queue;dur=12.5, db;dur=3, total;dur=20.1" };

  it("reads each metric the Worker sends", () => {
    expect(serverTimingMs(headers, "queue")).toBe(12.5);
    expect(serverTimingMs(headers, "db")).toBe(3);
    expect(serverTimingMs(headers, "total")).toBe(20.1);
  });

  it("is undefined without the header or the metric", () => {
    expect(serverTimingMs(undefined, "db")).toBeUndefined();
    expect(serverTimingMs({}, "queue")).toBeUndefined();
    expect(serverTimingMs({ "server-timing": "total;dur=4" }, "db")).toBeUndefined();
  });
});
