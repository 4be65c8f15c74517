import { describe, expect, it } from "vitest";
import { reconcile } from "../../../durable-objects/monitor/alerts/alert-log";
import type { AlertCondition } from "../../../durable-objects/monitor/alerts/burn-rate";
import { NO_TENANT, TenantLabels } from "../../../durable-objects/monitor/exposition/tenant-labels";
import { OTHER_TENANT } from "../../../durable-objects/monitor/windows/bucket";

const condition = (key: string, summary = `${key} fires`): AlertCondition => ({ key, rule: "r", severity: "page", summary, details: { n: 1 } });

describe("reconcile", () => {
  it("opens a record per new condition, refreshes open ones without a transition, and closes the rest", () => {
    const first = reconcile([], [condition("a"), condition("b")], 1000);
    expect(first.transitions.map((t) => [t.kind, t.alert.id])).toEqual([
      ["firing", "a@1000"],
      ["firing", "b@1000"],
    ]);
    expect(first.active[0]).toEqual({ id: "a@1000", key: "a", rule: "r", severity: "page", summary: "a fires", details: { n: 1 }, startedAt: 1000, endedAt: null, updatedAt: 1000 });
    const second = reconcile(first.active, [condition("a", "a still fires")], 2000);
    expect(second.active).toEqual([{ ...first.active[0], summary: "a still fires", updatedAt: 2000 }]);
    expect(second.transitions).toEqual([{ kind: "resolved", alert: { ...first.active[1], endedAt: 2000, updatedAt: 2000 } }]);
    expect(second.changed.map((r) => [r.key, r.endedAt])).toEqual([
      ["a", null],
      ["b", 2000],
    ]);
  });
});

describe("TenantLabels", () => {
  it("gives free slots to tenants as they appear, then counts the rest as other", () => {
    const labels = new TenantLabels(2);
    expect([labels.label("t1"), labels.label("t2"), labels.label("t3"), labels.label("t1")]).toEqual(["t1", "t2", OTHER_TENANT, "t1"]);
    expect(labels.label(NO_TENANT)).toBe(NO_TENANT);
    expect(labels.label(OTHER_TENANT)).toBe(OTHER_TENANT);
    expect([labels.list(), labels.capacity, labels.has("t3")]).toEqual([["t1", "t2"], 2, false]);
  });

  it("restores at most max exported tenants", () => {
    expect(new TenantLabels(1, ["a", "b"]).list()).toEqual(["a"]);
  });

  it("reranks by traffic, ties keeping incumbents, never giving a slot to none, other or *", () => {
    const labels = new TenantLabels(2, ["a", "b"]);
    expect(labels.rerank(new Map([["a", 5], ["b", 5], ["c", 5], [NO_TENANT, 99], [OTHER_TENANT, 99], ["*", 99]]))).toBe(false);
    expect(labels.list().sort()).toEqual(["a", "b"]);
    expect(labels.rerank(new Map([["a", 1], ["c", 9]]))).toBe(true);
    expect(labels.list()).toEqual(["c", "a"]);
    // Ties between newcomers go by name; incumbents fill slots the busy tenants leave.
    const fresh = new TenantLabels(3, ["z"]);
    expect(fresh.rerank(new Map([["y", 2], ["x", 2]]))).toBe(true);
    expect(fresh.list()).toEqual(["x", "y", "z"]);
  });
});
