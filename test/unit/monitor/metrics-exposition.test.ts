import { describe, expect, it } from "vitest";
import { addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { C, CumulativeCounters } from "../../../durable-objects/monitor/exposition/cumulative-counters";
import { buildExposition, GAUGE_MAX_AGE_MS, type ExpositionInput } from "../../../durable-objects/monitor/exposition/metrics-exposition";
import { TenantLabels } from "../../../durable-objects/monitor/exposition/tenant-labels";
import { MINUTE } from "../../../durable-objects/monitor/windows/windows";
import type { GovernorView } from "../../../durable-objects/contracts/governor";
import { admissionSnapshot, batchOf, T0, type Traffic } from "./support";

const now = T0 + 10 * MINUTE;
const idle = { critical: 0, high: 0, normal: 0, low: 0 };

function lines(over: Partial<ExpositionInput>): string[] {
  const input: ExpositionInput = { counters: new CumulativeCounters(), recentMinutes: [], admission: [], tenants: new TenantLabels(5, ["t1"]), now, ...over };
  return buildExposition(input).split("\n");
}

function minute(i: number, traffic: Traffic[]): Bucket {
  const b = emptyBucket(T0 + i * MINUTE, MINUTE);
  addBatch(b, batchOf(traffic, T0 + i * MINUTE + 1000, "i", i + 1));
  return b;
}

const samplesOf = (all: string[], name: string) => all.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("buildExposition gauges", () => {
  it("adds up the shards of a tenant heard from within the gauge age, and sums unexported tenants as other", () => {
    const out = lines({
      admission: [
        admissionSnapshot({ source: "t1#0", limit: 10, inflight: 2, queued: { ...idle, normal: 3 }, at: now - GAUGE_MAX_AGE_MS }),
        admissionSnapshot({ source: "t1#1", limit: 5, inflight: 1, queued: { ...idle, normal: 4 }, at: now - 1000 }),
        admissionSnapshot({ source: "t1#2", limit: 100, inflight: 50, queued: { ...idle, normal: 60 }, at: now - GAUGE_MAX_AGE_MS - 1 }),
        admissionSnapshot({ source: "t7", tenant: "t7", limit: 8, inflight: 0, queued: idle, at: now }),
        admissionSnapshot({ source: "t8", tenant: "t8", limit: 9, inflight: 4, queued: idle, at: now }),
      ],
    });
    expect(samplesOf(out, "taskflow_admission_concurrency_limit")).toEqual([
      'taskflow_admission_concurrency_limit{tenant="t1"} 15',
      'taskflow_admission_concurrency_limit{tenant="other"} 17',
    ]);
    expect(samplesOf(out, "taskflow_admission_inflight")).toEqual(['taskflow_admission_inflight{tenant="t1"} 3', 'taskflow_admission_inflight{tenant="other"} 4']);
    expect(out).toContain('taskflow_admission_queue_depth{tenant="t1",priority="normal"} 7');
  });
});

describe("buildExposition summaries", () => {
  it("labels requests of no tenant as none and of unexported tenants as other, without giving out a slot", () => {
    const tenants = new TenantLabels(5, ["t1"]);
    const out = lines({ tenants, recentMinutes: [minute(0, [{ count: 1, tenant: "none" }, { count: 1, tenant: "t9" }, { count: 1, tenant: "t1" }])] });
    const labelled = samplesOf(out, "taskflow_http_request_duration_seconds_count");
    expect(labelled).toEqual([
      'taskflow_http_request_duration_seconds_count{route="/v1/tasks",method="GET",tenant="none",priority="normal"} 0',
      'taskflow_http_request_duration_seconds_count{route="/v1/tasks",method="GET",tenant="other",priority="normal"} 0',
      'taskflow_http_request_duration_seconds_count{route="/v1/tasks",method="GET",tenant="t1",priority="normal"} 0',
    ]);
    expect(tenants.list()).toEqual(["t1"]);
  });

  it("merges the recent minutes into one sketch per label set", () => {
    const out = lines({ recentMinutes: [minute(0, [{ count: 10, latencyMs: 100 }]), minute(1, [{ count: 10, latencyMs: 1000 }])] });
    const quantile = (q: string) => Number(out.find((l) => l.includes(`quantile="${q}"`) && l.startsWith("taskflow_http_request_duration_seconds{"))?.split(" ")[1]);
    // DDSketch keeps 1 % relative error: the median is a 100 ms request of the first minute, p95 a 1 s one of the second.
    expect(quantile("0.5")).toBeCloseTo(0.1, 2);
    expect(quantile("0.95")).toBeCloseTo(1, 1);
  });

  it("exports cumulative _sum and _count for a label set without recent traffic, and no quantiles for it", () => {
    const counters = new CumulativeCounters();
    const labels = { route: "/v1/tasks", method: "GET", tenant: "t1", priority: "low" };
    counters.add(C.durationSum, labels, 4.5);
    counters.add(C.durationCount, labels, 9);
    const out = lines({ counters });
    expect(samplesOf(out, "taskflow_http_request_duration_seconds")).toEqual([]);
    expect(samplesOf(out, "taskflow_http_request_duration_seconds_sum")).toEqual(['taskflow_http_request_duration_seconds_sum{route="/v1/tasks",method="GET",tenant="t1",priority="low"} 4.5']);
    expect(samplesOf(out, "taskflow_http_request_duration_seconds_count")).toEqual(['taskflow_http_request_duration_seconds_count{route="/v1/tasks",method="GET",tenant="t1",priority="low"} 9']);
  });

  it("leaves out label sets with neither recent samples nor counts", () => {
    const quiet = emptyBucket(T0, MINUTE);
    const out = lines({ recentMinutes: [quiet], admission: [admissionSnapshot({ at: now })] });
    expect(samplesOf(out, "taskflow_db_query_duration_seconds_count")).toEqual([]);
    expect(samplesOf(out, "taskflow_admission_queue_wait_seconds_count")).toEqual([]);
  });
});

describe("buildExposition counters and governor", () => {
  it("exports the unlabelled counters, and how many tenants are exported of how many allowed", () => {
    const counters = new CumulativeCounters();
    counters.add(C.dbErrors, {}, 2);
    counters.add(C.flushFailures, {}, 3);
    counters.add(C.flushDropped, {}, 4);
    const out = lines({ counters, tenants: new TenantLabels(7, ["t1", "t2"]) });
    expect(out).toEqual(
      expect.arrayContaining([
        "taskflow_db_query_errors_total 2",
        "taskflow_telemetry_flush_failures_total 3",
        "taskflow_telemetry_batches_dropped_total 4",
        'taskflow_metrics_exported_tenants{kind="exported"} 2',
        'taskflow_metrics_exported_tenants{kind="capacity"} 7',
      ]),
    );
  });

  const view = (signal: number | null): GovernorView => {
    const tenant = (id: string, share: number) => ({ tenant: id, demand: share, forecast: share, weight: 1, share, cap: share, admittedPerSec: 0, wantedPerSec: 0, fairRatePerSec: 0, passScale: 1, dbMsPerSec: 0, reportedAt: now });
    return {
      budget: 12,
      maxBudget: 20,
      contention: { signal, d1Concurrency: null, threshold: 2, latencyMs: null, baselineMs: null },
      totalDemand: 9,
      tenants: [tenant("t1", 3), tenant("t8", 2), tenant("t9", 4)],
      at: now,
    };
  };

  it("exports the governor's budget, shares (unexported tenants as other) and contention", () => {
    const out = lines({ governor: view(1.5) });
    expect(samplesOf(out, "taskflow_governor_budget")).toEqual(["taskflow_governor_budget 12"]);
    expect(samplesOf(out, "taskflow_governor_share")).toEqual(['taskflow_governor_share{tenant="t1"} 3', 'taskflow_governor_share{tenant="other"} 6']);
    expect(samplesOf(out, "taskflow_governor_contention")).toEqual(["taskflow_governor_contention 1.5"]);
  });

  it("keeps the governor's families, empty, when its view or its contention signal is missing", () => {
    for (const governor of [null, undefined]) {
      const out = lines(governor === undefined ? {} : { governor });
      for (const name of ["taskflow_governor_budget", "taskflow_governor_share", "taskflow_governor_contention"]) {
        expect(out).toContain(`# TYPE ${name} gauge`);
        expect(samplesOf(out, name)).toEqual([]);
      }
    }
    expect(samplesOf(lines({ governor: view(null) }), "taskflow_governor_contention")).toEqual([]);
  });

  it("describes every family", () => {
    const help = lines({ governor: view(1) }).filter((l) => l.startsWith("# HELP "));
    expect(help.length).toBeGreaterThan(15);
    for (const line of help) expect(line).toMatch(/^# HELP \w+ \S.{9,}/);
  });
});
