import { describe, expect, it } from "vitest";
import { nextAttemptAt, retryableStatus, WEBHOOK_MAX_ATTEMPTS, webhookPayload } from "../../../durable-objects/monitor/alerts/webhook-retry";
import { escapeHelp, escapeLabelValue, formatValue, renderExposition } from "../../../durable-objects/monitor/exposition/prometheus-text";

describe("webhook retry schedule", () => {
  const now = 1_000_000;
  it("draws the wait uniformly under 2 s × 2^(attempts - 1), at least 250 ms, and gives up after the last attempt", () => {
    expect(nextAttemptAt(1, now, () => 0.5)).toBe(now + 1000);
    expect(nextAttemptAt(1, now, () => 0.9999)).toBe(now + 1999);
    expect(nextAttemptAt(3, now, () => 0.5)).toBe(now + 4000);
    expect(nextAttemptAt(WEBHOOK_MAX_ATTEMPTS - 1, now, () => 0.5)).toBe(now + 16_000);
    expect(nextAttemptAt(1, now, () => 0)).toBe(now + 250);
    expect(nextAttemptAt(WEBHOOK_MAX_ATTEMPTS, now, () => 0.5)).toBeNull();
  });

  it("retries timeouts, too-early, throttling and server errors, not other client errors", () => {
    expect([408, 425, 429, 500, 503].map(retryableStatus)).toEqual([true, true, true, true, true]);
    expect([400, 404, 409, 499, 301].map(retryableStatus)).toEqual([false, false, false, false, false]);
  });

  it("sends the transition's kind as the status", () => {
    const alert = { key: "k" } as Parameters<typeof webhookPayload>[0]["alert"];
    expect(webhookPayload({ kind: "resolved", alert })).toEqual({ source: "taskflow-edge-monitor", status: "resolved", alert });
  });
});

describe("Prometheus text format", () => {
  it("escapes label values and help text as the format says", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
  });

  it("writes special values as Prometheus spells them", () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, 0].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "1.5", "0"]);
  });

  it("renders HELP, TYPE and samples, with labels only when there are some", () => {
    const text = renderExposition([
      { name: "x_total", help: "line\nbreak", type: "counter", samples: [{ labels: {}, value: 3 }] },
      { name: "lat", help: "h", type: "summary", samples: [{ suffix: "_count", labels: { tenant: "t\"1", route: "r" }, value: 2 }] },
    ]);
    expect(text).toBe('# HELP x_total line\\nbreak\n# TYPE x_total counter\nx_total 3\n# HELP lat h\n# TYPE lat summary\nlat_count{tenant="t\\"1",route="r"} 2\n');
  });

  it("refuses invalid metric and label names, and reserved label names", () => {
    const family = (name: string, labels: Record<string, string> = {}) => [{ name, help: "h", type: "gauge" as const, samples: [{ labels, value: 1 }] }];
    expect(() => renderExposition(family("1bad"))).toThrow("invalid metric name 1bad");
    expect(() => renderExposition(family("ok", { "1a": "v" }))).toThrow("invalid label name 1a");
    expect(() => renderExposition(family("ok", { __name: "v" }))).toThrow("invalid label name __name");
    expect(renderExposition(family("ok:sub_1", { _a1: "v" }))).toContain('ok:sub_1{_a1="v"} 1');
  });
});
