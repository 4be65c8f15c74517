import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket } from "../../../durable-objects/monitor/windows/bucket";
import { countAdmission, countBatch, CumulativeCounters } from "../../../durable-objects/monitor/exposition/cumulative-counters";
import { decisionDeltas } from "../../../durable-objects/monitor/ingest/admission-deltas";
import { buildExposition } from "../../../durable-objects/monitor/exposition/metrics-exposition";
import { escapeLabelValue, renderExposition } from "../../../durable-objects/monitor/exposition/prometheus-text";
import { TenantLabels } from "../../../durable-objects/monitor/exposition/tenant-labels";
import { MINUTE } from "../../../durable-objects/monitor/windows/windows";
import { admissionSnapshot, batchOf, T0 } from "./support";

const SECTION_6 = {
  taskflow_http_requests_total: ["COUNTER", ["route", "method", "status", "tenant", "priority"]],
  taskflow_http_request_duration_seconds: ["SUMMARY", ["route", "method", "tenant", "priority"]],
  taskflow_admission_decisions_total: ["COUNTER", ["tenant", "priority", "decision"]],
  taskflow_admission_queue_depth: ["GAUGE", ["tenant", "priority"]],
  taskflow_admission_concurrency_limit: ["GAUGE", ["tenant"]],
  taskflow_admission_inflight: ["GAUGE", ["tenant"]],
  taskflow_admission_queue_wait_seconds: ["SUMMARY", ["tenant", "priority"]],
  taskflow_db_query_duration_seconds: ["SUMMARY", []],
  taskflow_db_slow_queries_total: ["COUNTER", []],
  taskflow_cache_requests_total: ["COUNTER", ["cache", "result"]],
  taskflow_cache_evictions_total: ["COUNTER", ["cache"]],
  taskflow_admission_controller_calls_total: ["COUNTER", ["tenant", "kind"]],
} as const;

function exposition(maxTenants = 20, tenants = ["t1", "t2"]) {
  const counters = new CumulativeCounters();
  const labels = new TenantLabels(maxTenants);
  const minute = emptyBucket(T0, MINUTE);
  const traffic = tenants.flatMap((tenant) => [
    { count: 30, tenant, latencyMs: 40 },
    { count: 3, tenant, status: 503, outcome: "shed" as const, priority: "low" as const, latencyMs: 1 },
  ]);
  const batch = batchOf(traffic, T0 + 1000);
  batch.db.queries = { bins: [[100, 4]], count: 4, sum: 30, min: 5, max: 10 };
  batch.db.slow = 1;
  batch.cache = { "api-keys": { hits: 9, misses: 1, evictions: 0 } };
  batch.controllerCalls = Object.fromEntries(tenants.map((tenant) => [tenant, { acquire: 7, release: 6, renew: 2 }]));
  addBatch(minute, batch);
  countBatch(counters, batch, labels);
  const snap = admissionSnapshot({ at: T0 + 2000 });
  const deltas = decisionDeltas(undefined, snap);
  addAdmission(minute, snap, deltas);
  countAdmission(counters, snap, deltas, labels);
  return buildExposition({ counters, recentMinutes: [minute], admission: [snap], tenants: labels, now: T0 + 3000 });
}

/**
 * parse-prometheus-text-format folds every sample of a *labelled* summary into one unlabelled
 * entry (its flattenMetrics only handles unlabelled summaries). To check summary samples one
 * by one, parse a copy whose summaries are declared untyped: each sample line then keeps its
 * labels, and _sum/_count come out as their own families.
 */
const samplesOf = (text: string) => parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) summary$/gm, "# TYPE $1 untyped"));

describe("/metrics exposition", () => {
  it("parses as Prometheus text with the section-6 names, types, HELP and labels", () => {
    const text = exposition();
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    const flat = new Map(samplesOf(text).map((f) => [f.name, f]));
    for (const [name, [type, labelNames]] of Object.entries(SECTION_6)) {
      const f = byName.get(name);
      expect(f, name).toBeDefined();
      expect(f?.type, name).toBe(type);
      expect(f?.help.length, `${name} has HELP`).toBeGreaterThan(10);
      expect(f?.metrics.length, `${name} has samples`).toBeGreaterThan(0);
      if (type === "SUMMARY") {
        const quantiles = flat.get(name)?.metrics ?? [];
        expect(quantiles.length, `${name} quantiles`).toBeGreaterThan(0);
        for (const m of quantiles) expect(Object.keys(m.labels ?? {}).sort(), name).toEqual([...labelNames, "quantile"].sort());
        for (const part of ["_sum", "_count"]) {
          for (const m of flat.get(name + part)?.metrics ?? []) expect(Object.keys(m.labels ?? {}).sort(), name + part).toEqual([...labelNames].sort());
          expect(flat.get(name + part)?.metrics.length, name + part).toBeGreaterThan(0);
        }
      } else {
        for (const m of f?.metrics ?? []) expect(Object.keys(m.labels ?? {}).sort(), name).toEqual([...labelNames].sort());
      }
    }
    // Exactly one HELP and one TYPE line per family.
    for (const name of Object.keys(SECTION_6)) {
      expect(text.split("\n").filter((l) => l.startsWith(`# TYPE ${name} `)).length).toBe(1);
      expect(text.split("\n").filter((l) => l.startsWith(`# HELP ${name} `)).length).toBe(1);
    }
  });

  it("reports true figures: counts, seconds, quantiles", () => {
    const families = samplesOf(exposition());
    const f = (name: string) => families.find((x) => x.name === name);
    const requests = f("taskflow_http_requests_total")?.metrics ?? [];
    const ok = requests.find((m) => m.labels?.tenant === "t1" && m.labels.status === "200");
    expect(ok?.value).toBe("30");
    const t1Normal = (name: string) => f(name)?.metrics.filter((m) => m.labels?.tenant === "t1" && m.labels.priority === "normal") ?? [];
    expect(Number(t1Normal("taskflow_http_request_duration_seconds_count")[0]?.value)).toBe(30);
    expect(Number(t1Normal("taskflow_http_request_duration_seconds_sum")[0]?.value)).toBeCloseTo(1.2, 6);
    const p99 = t1Normal("taskflow_http_request_duration_seconds").find((m) => m.labels?.quantile === "0.99");
    expect(Number(p99?.value)).toBeCloseTo(0.04, 2);
    const decisions = f("taskflow_admission_decisions_total")?.metrics.find((m) => m.labels?.priority === "low" && m.labels.decision === "shed");
    expect(decisions?.value).toBe("2");
    const depth = f("taskflow_admission_queue_depth")?.metrics.find((m) => m.labels?.priority === "normal");
    expect(depth?.value).toBe("3");
    const hits = f("taskflow_cache_requests_total")?.metrics.find((m) => m.labels?.result === "hit");
    expect(hits?.value).toBe("9");
    expect(f("taskflow_db_slow_queries_total")?.metrics[0]?.value).toBe("1");
  });

  it("caps tenant cardinality: the first N get a label, the rest are 'other'", () => {
    const families = samplesOf(exposition(2, ["t1", "t2", "t3", "t4"]));
    const tenants = new Set((families.find((x) => x.name === "taskflow_http_requests_total")?.metrics ?? []).map((m) => m.labels?.tenant));
    expect([...tenants].sort()).toEqual(["other", "t1", "t2"]);
    const other = families.find((x) => x.name === "taskflow_http_requests_total")?.metrics.find((m) => m.labels?.tenant === "other" && m.labels.status === "200");
    expect(other?.value).toBe("60");
  });

  it("escapes label values and HELP text", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const text = renderExposition([{ name: "x_total", help: "line\\one\ntwo", type: "counter", samples: [{ labels: { route: '/v1/"odd"\\path\n' }, value: 1 }] }]);
    expect(text).toContain("# HELP x_total line\\\\one\\ntwo");
    const parsed = parsePrometheusTextFormat(text);
    expect(parsed[0]?.metrics[0]?.labels?.route).toBe('/v1/"odd"\\path\n');
  });

  it("rejects invalid metric and label names instead of emitting garbage", () => {
    expect(() => renderExposition([{ name: "bad-name", help: "h", type: "gauge", samples: [] }])).toThrow();
    expect(() => renderExposition([{ name: "ok", help: "h", type: "gauge", samples: [{ labels: { "bad-label": "v" }, value: 1 }] }])).toThrow();
  });
});

describe("TenantLabels", () => {
  it("re-ranks by traffic without ever moving counts between exported series", () => {
    const t = new TenantLabels(2);
    expect([t.label("a"), t.label("b"), t.label("c")]).toEqual(["a", "b", "other"]);
    t.rerank(new Map([["a", 1], ["b", 50], ["c", 100]]));
    expect(t.list().sort()).toEqual(["b", "c"]);
    expect(t.label("a")).toBe("other");
    expect(t.label("none")).toBe("none");
  });
});
