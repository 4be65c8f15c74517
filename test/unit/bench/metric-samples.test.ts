import { describe, expect, it } from "vitest";
import { sumMetric } from "../../../bench/lib/metric-samples";

const text = [
  "# HELP taskflow_admission_controller_calls_total Calls.",
  "# TYPE taskflow_admission_controller_calls_total counter",
  'taskflow_admission_controller_calls_total{tenant="a",kind="acquire"} 10',
  'taskflow_admission_controller_calls_total{tenant="a",kind="release"} 7',
  'taskflow_admission_controller_calls_total{tenant="b",kind="acquire"} 3',
  'taskflow_cache_requests_total{cache="task-pages",result="hit"} 5',
  'taskflow_cache_requests_total{cache="q\\"uoted",result="hit"} 1',
  "taskflow_db_query_duration_seconds_count 42",
  "taskflow_db_query_duration_seconds_sum 0.5",
].join("\n");

describe("sumMetric", () => {
  it("sums a metric's samples whose labels pass the filter, and only that metric", () => {
    expect(sumMetric(text, "taskflow_admission_controller_calls_total", (l) => l.tenant === "a")).toBe(17);
    expect(sumMetric(text, "taskflow_admission_controller_calls_total", (l) => l.kind === "acquire")).toBe(13);
    expect(sumMetric(text, "taskflow_db_query_duration_seconds_count")).toBe(42);
    expect(sumMetric(text, "taskflow_cache_requests_total", (l) => l.cache === 'q"uoted')).toBe(1);
  });

  it("answers undefined when no sample of the metric passes", () => {
    expect(sumMetric(text, "taskflow_telemetry_flush_failures_total")).toBeUndefined();
    expect(sumMetric(text, "taskflow_admission_controller_calls_total", (l) => l.tenant === "c")).toBeUndefined();
  });
});
