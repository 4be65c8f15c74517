import { describe, expect, it } from "vitest";
import { C, countAdmission, countBatch, CumulativeCounters } from "../../../durable-objects/monitor/exposition/cumulative-counters";
import { TenantLabels } from "../../../durable-objects/monitor/exposition/tenant-labels";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import type { SeriesEntry, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { admissionSnapshot, handBatch, T0 } from "./support";

const series = (over: Partial<SeriesEntry>): SeriesEntry => ({
  route: "/v1/tasks",
  method: "GET",
  tenant: "t1",
  priority: "normal",
  outcome: "success",
  latency: sketchOf([100, 300]),
  statuses: { "200": 2 },
  ...over,
});

const batch = (over: Partial<TelemetryBatch> = {}): TelemetryBatch => handBatch(T0, { source: "i", to: T0 + 1000, ...over });

describe("CumulativeCounters", () => {
  it("adds up increments per metric and label set, and ignores anything not above zero", () => {
    const c = new CumulativeCounters();
    c.add("m", { a: "1" }, 2);
    c.add("m", { a: "1" }, 3);
    c.add("m", { a: "2" }, 0);
    c.add("m", { a: "2" }, -4);
    c.add("m", { a: "2" }, Number.NaN);
    expect(c.get("m", { a: "1" })).toBe(5);
    expect(c.get("m", { a: "2" })).toBe(0);
    expect(c.entries("m")).toEqual([{ labels: { a: "1" }, value: 5 }]);
  });

  it("touch makes a series exist at 0 and never resets one that has counted", () => {
    const c = new CumulativeCounters();
    c.add("m", { a: "1" }, 4);
    c.touch("m", { a: "1" });
    c.touch("m", { a: "2" });
    expect(c.entries("m")).toEqual([
      { labels: { a: "1" }, value: 4 },
      { labels: { a: "2" }, value: 0 },
    ]);
  });

  it("lists only the asked metric's label sets, in the order they appeared", () => {
    const c = new CumulativeCounters([[CumulativeCounters.key("m", { z: "1" }), 7]]);
    c.add("other", {}, 1);
    c.add("m", { a: "1" }, 1);
    expect(c.entries("m")).toEqual([
      { labels: { z: "1" }, value: 7 },
      { labels: { a: "1" }, value: 1 },
    ]);
  });

  it("hands out what changed since the last time, once", () => {
    const c = new CumulativeCounters([[CumulativeCounters.key("m", {}), 10]]);
    expect(c.takeDirty()).toEqual([]);
    c.add("m", {}, 1);
    c.touch("n", {});
    c.touch("m", {});
    expect(c.takeDirty()).toEqual([
      [CumulativeCounters.key("m", {}), 11],
      [CumulativeCounters.key("n", {}), 0],
    ]);
    expect(c.takeDirty()).toEqual([]);
  });
});

describe("countBatch", () => {
  it("counts requests by status, durations in seconds, and every component of the batch", () => {
    const c = new CumulativeCounters();
    const b = batch({
      series: [
        series({}),
        series({ outcome: "server_error", statuses: { "500": 2, "502": 1 }, latency: sketchOf([1000, 1000, 1000]) }),
      ],
      db: { queries: sketchOf([4, 6]), slow: 1, errors: 2, slowByRoute: {}, slowest: [] },
      cache: { "api-keys": { hits: 5, misses: 2, evictions: 1 } },
      errors: { api: 0, admission: 3, db: 0, cache: 4 },
      flush: { failures: 6, dropped: 7 },
      controllerCalls: { t1: { acquire: 8, release: 9, renew: 0 } },
    });
    countBatch(c, b, new TenantLabels(5));
    const req = { route: "/v1/tasks", method: "GET", tenant: "t1", priority: "normal" };
    expect(c.entries(C.requests)).toEqual([
      { labels: { ...req, status: "200" }, value: 2 },
      { labels: { ...req, status: "500" }, value: 2 },
      { labels: { ...req, status: "502" }, value: 1 },
    ]);
    expect(c.get(C.durationSum, req)).toBeCloseTo(3.4, 9);
    expect(c.get(C.durationCount, req)).toBe(5);
    expect(c.get(C.dbSum, {})).toBeCloseTo(0.01, 9);
    expect(c.get(C.dbCount, {})).toBe(2);
    expect(c.get(C.dbSlow, {})).toBe(1);
    expect(c.get(C.dbErrors, {})).toBe(2);
    expect(c.entries(C.cacheRequests)).toEqual([
      { labels: { cache: "api-keys", result: "hit" }, value: 5 },
      { labels: { cache: "api-keys", result: "miss" }, value: 2 },
    ]);
    expect(c.entries(C.cacheEvictions)).toEqual([{ labels: { cache: "api-keys" }, value: 1 }]);
    // api: the 5xx responses; db: the failed queries; the others as the isolate counted them.
    expect(c.entries(C.errors)).toEqual([
      { labels: { component: "api" }, value: 3 },
      { labels: { component: "admission" }, value: 3 },
      { labels: { component: "db" }, value: 2 },
      { labels: { component: "cache" }, value: 4 },
    ]);
    expect(c.entries(C.controllerCalls)).toEqual([
      { labels: { tenant: "t1", kind: "acquire" }, value: 8 },
      { labels: { tenant: "t1", kind: "release" }, value: 9 },
      { labels: { tenant: "t1", kind: "renew" }, value: 0 },
    ]);
    expect(c.get(C.flushFailures, {})).toBe(6);
    expect(c.get(C.flushDropped, {})).toBe(7);
  });

  it("makes the always-present series exist at 0 from a quiet batch", () => {
    const c = new CumulativeCounters();
    countBatch(c, batch({ cache: { tasks: { hits: 0, misses: 0, evictions: 0 } }, controllerCalls: { t2: { acquire: 0, release: 0, renew: 0 } } }), new TenantLabels(5));
    expect(new Map(c.takeDirty())).toEqual(
      new Map([
        [CumulativeCounters.key(C.dbSum, {}), 0],
        [CumulativeCounters.key(C.dbCount, {}), 0],
        [CumulativeCounters.key(C.cacheRequests, { cache: "tasks", result: "hit" }), 0],
        [CumulativeCounters.key(C.cacheRequests, { cache: "tasks", result: "miss" }), 0],
        [CumulativeCounters.key(C.cacheEvictions, { cache: "tasks" }), 0],
        ...["api", "admission", "db", "cache"].map((component): [string, number] => [CumulativeCounters.key(C.errors, { component }), 0]),
        ...["acquire", "release", "renew"].map((kind): [string, number] => [CumulativeCounters.key(C.controllerCalls, { tenant: "t2", kind }), 0]),
      ]),
    );
  });

  it("labels tenants beyond the cap as other, for requests and controller calls alike", () => {
    const c = new CumulativeCounters();
    const b = batch({
      series: [series({ tenant: "t1" }), series({ tenant: "t2" })],
      controllerCalls: { t1: { acquire: 1, release: 1, renew: 1 }, t2: { acquire: 2, release: 2, renew: 2 } },
    });
    countBatch(c, b, new TenantLabels(1));
    expect(c.entries(C.requests).map((e) => [e.labels.tenant, e.value])).toEqual([["t1", 2], ["other", 2]]);
    expect(c.get(C.controllerCalls, { tenant: "other", kind: "acquire" })).toBe(2);
  });
});

describe("countAdmission", () => {
  it("counts decision deltas, and queue waits only where someone waited", () => {
    const c = new CumulativeCounters();
    const none = { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 };
    const snap = admissionSnapshot({ queueWait: { critical: emptySketch(), high: sketchOf([200, 400]), normal: emptySketch(), low: emptySketch() } });
    countAdmission(c, snap, { critical: { ...none }, high: { ...none, admitted: 3, queued: 2 }, normal: { ...none }, low: { ...none, shed: 1 } }, new TenantLabels(5));
    expect(c.entries(C.decisions)).toEqual([
      { labels: { tenant: "t1", priority: "high", decision: "admitted" }, value: 3 },
      { labels: { tenant: "t1", priority: "high", decision: "queued" }, value: 2 },
      { labels: { tenant: "t1", priority: "low", decision: "shed" }, value: 1 },
    ]);
    expect(c.entries(C.queueWaitSum)).toEqual([{ labels: { tenant: "t1", priority: "high" }, value: 0.6 }]);
    expect(c.entries(C.queueWaitCount)).toEqual([{ labels: { tenant: "t1", priority: "high" }, value: 2 }]);
  });
});
