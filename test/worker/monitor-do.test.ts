import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import type { Monitor } from "../../durable-objects/monitor";
import { SCHEMA_VERSION } from "../../durable-objects/monitor/monitor-store";
import { MINUTE } from "../../durable-objects/monitor/windows/windows";
import { admissionSnapshot, batchOf } from "../unit/monitor/support";

const monitor = () => env.MONITOR.get(env.MONITOR.idFromName(`monitor-test-${crypto.randomUUID()}`));
const minuteStart = (t: number) => Math.floor(t / MINUTE) * MINUTE;

describe("Monitor DO", () => {
  it("merges isolate batches and admission snapshots into /metrics and the report", async () => {
    const stub = monitor();
    const now = minuteStart(Date.now()) + 30_000;
    await stub.ingest(batchOf([{ count: 40, latencyMs: 25 }, { count: 10, latencyMs: 250, tenant: "t2" }], now, "iso-1", 1), now);
    await stub.ingest(batchOf([{ count: 50, latencyMs: 25 }], now, "iso-2", 1), now + 1);
    await stub.ingestAdmission(admissionSnapshot({ at: now }), now + 2);

    const families = parsePrometheusTextFormat(await stub.metricsText(now + 3));
    const requests = families.find((f) => f.name === "taskflow_http_requests_total")?.metrics ?? [];
    const total = requests.reduce((n, m) => n + Number(m.value), 0);
    expect(total).toBe(100);
    expect(families.find((f) => f.name === "taskflow_admission_concurrency_limit")?.metrics[0]?.value).toBe("10");

    const report = await stub.performanceReport(now + 3);
    expect(report.windows["5m"].requests).toBe(100);
    expect(report.windows["1h"].telemetry.isolates).toBe(2);
    expect(report.windows["5m"].latencyMs?.p50).toBeCloseTo(25, -0.5);
    expect(report.windows["5m"].latencyMs?.p99).toBeCloseTo(250, -1);
    expect(report.windows["5m"].admission[0]).toMatchObject({ tenant: "t1", limit: 10, queued: { normal: 3, low: 1 } });
    expect(report.sketch).toEqual({ algorithm: "DDSketch", relativeAccuracy: 0.01 });
  });

  it("ignores a repeated batch (a retried flush that had arrived)", async () => {
    const stub = monitor();
    const now = Date.now();
    const batch = batchOf([{ count: 5 }], now, "iso-1", 7);
    expect(await stub.ingest(batch, now)).toEqual({ accepted: true });
    expect(await stub.ingest(batch, now + 1)).toEqual({ accepted: false });
    expect((await stub.performanceReport(now + 2)).windows["5m"].requests).toBe(5);
  });

  it("keeps the last hour and the counters across a restart", async () => {
    const stub = monitor();
    const now = Date.now();
    // 45 minutes of traffic, the first 40 in the past.
    for (let m = 44; m >= 0; m--) {
      const t = now - m * MINUTE;
      await stub.ingest(batchOf([{ count: 10, latencyMs: 30 + m }], t, "iso-1", 45 - m), t);
    }
    await stub.evaluate(now);
    const before = await stub.performanceReport(now);
    const metricsBefore = await stub.metricsText(now);
    expect(before.windows["1h"].requests).toBe(450);

    await evictDurableObject(stub);

    const after = await stub.performanceReport(now);
    expect(after.windows["1h"].requests).toBe(450);
    expect(after.windows["1h"].latencyMs).toEqual(before.windows["1h"].latencyMs);
    expect(await stub.metricsText(now)).toBe(metricsBefore);
    // Data folded into coarse buckets before the restart is not folded again after it.
    await stub.evaluate(now + 2 * MINUTE);
    expect((await stub.performanceReport(now + 2 * MINUTE)).windows["1h"].requests).toBe(450);
    await runInDurableObject(stub, (_obj: Monitor, state) => {
      const row = state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one();
      expect(row.version).toBe(SCHEMA_VERSION);
    });
  });

  it("the alarm evaluates the rules: a burst of errors opens alerts that /admin/alerts lists with a start", async () => {
    const stub = monitor();
    const now = Date.now();
    await stub.ingest(batchOf([{ count: 50 }, { count: 50, status: 500 }], now, "iso-1", 1), now);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const { active } = await stub.alerts();
    expect(active.map((a) => a.key)).toContain("slo_burn:availability:1h/5m");
    expect(active.every((a) => a.startedAt > 0 && a.endedAt === null)).toBe(true);
    // The alarm re-arms itself while data flows.
    await runInDurableObject(stub, async (_obj: Monitor, state) => {
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });

  it("closes an alert when its condition clears, and keeps it as recent with an end", async () => {
    const stub = monitor();
    const t0 = minuteStart(Date.now()) - 30 * MINUTE;
    await stub.ingest(batchOf([{ count: 50 }, { count: 50, status: 500 }], t0, "iso-1", 1), t0);
    await stub.evaluate(t0 + 1_000);
    expect((await stub.alerts(t0 + 1_000)).active.length).toBeGreaterThan(0);
    expect((await stub.alerts(t0 + 1_000)).active.map((a) => a.key)).toContain("slo_burn:availability:1h/5m");
    // Twenty healthy minutes later the short windows are clean: the 1h/5m page resolves.
    // (The DO's own alarm runs on the real clock, i.e. at about t0 + 30 min, and may close it first.)
    for (let m = 1; m <= 20; m++) await stub.ingest(batchOf([{ count: 1000 }], t0 + m * MINUTE, "iso-1", 1 + m), t0 + m * MINUTE);
    await stub.evaluate(t0 + 20 * MINUTE + 1_000);
    const { active, recent } = await stub.alerts(t0 + 20 * MINUTE + 2_000);
    expect(active.map((a) => a.key)).not.toContain("slo_burn:availability:1h/5m");
    const closed = recent.find((a) => a.key === "slo_burn:availability:1h/5m");
    expect(closed?.startedAt).toBe(t0 + 1_000);
    expect(closed?.endedAt).toBeGreaterThan(t0 + 1_000);
  });

  it("dashboard data has one point per minute and per-tenant admission series", async () => {
    const stub = monitor();
    const now = minuteStart(Date.now()) + 10_000;
    await stub.ingest(batchOf([{ count: 20, latencyMs: 40 }], now - MINUTE, "iso-1", 1), now - MINUTE);
    await stub.ingest(batchOf([{ count: 20, latencyMs: 40 }, { count: 5, status: 503, outcome: "shed", priority: "low" }], now, "iso-1", 2), now);
    await stub.ingestAdmission(admissionSnapshot({ at: now }), now);
    const data = await stub.dashboardData(5, now);
    expect(data.minutes).toHaveLength(5);
    expect(data.minutes.at(-1)?.requests).toBe(25);
    expect(data.minutes.at(-1)?.shedRate.low).toBe(1);
    expect(data.minutes.at(-2)?.p50).toBeCloseTo(40, -0.5);
    expect(data.tenants[0]?.tenant).toBe("t1");
    expect(data.tenants[0]?.points.at(-1)).toMatchObject({ limit: 10, queued: 4 });
  });
});
