import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { BUDGET_KEY, decodeRestored, LEASE_PREFIX, QUOTA_KEY, SCHEMA_STEPS, SCHEMA_VERSION_TABLE } from "../../../durable-objects/admission/storage-schema";
import { T0 } from "./support";

describe("storage layout", () => {
  it("keeps the stored key names: objects written by earlier builds are read under them", () => {
    expect([QUOTA_KEY, BUDGET_KEY, LEASE_PREFIX]).toEqual(["quota", "budget", "lease:"]);
  });

  it("its version table and every step run on SQLite, and the table holds a single row", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(SCHEMA_VERSION_TABLE);
    for (const step of SCHEMA_STEPS) for (const statement of step) db.exec(statement);
    db.prepare("INSERT INTO schema_version (id, version) VALUES (1, ?)").run(SCHEMA_STEPS.length);
    expect(() => db.prepare("INSERT INTO schema_version (id, version) VALUES (2, 1)").run()).toThrow(/CHECK/);
    expect(db.prepare("SELECT version FROM schema_version").all()).toEqual([{ version: SCHEMA_STEPS.length }]);
    db.close();
  });
});

describe("decodeRestored", () => {
  it("restores an AIMD limit snapshot", () => {
    expect(decodeRestored({ bucket: null, limit: { algorithm: "aimd", limit: 12.5 }, service: null }, []).limit).toEqual({ algorithm: "aimd", limit: 12.5 });
  });

  it("leaves a part that does not parse out altogether rather than present and undefined", () => {
    expect(Object.keys(decodeRestored({ bucket: { tokens: 1, updatedAt: T0 }, limit: { algorithm: "x" }, service: { serviceMs: "slow" } }, []))).toEqual(["leases", "bucket"]);
    expect(Object.keys(decodeRestored({ bucket: null, limit: { algorithm: "aimd", limit: 3 }, service: 0 }, []))).toEqual(["leases", "limit"]);
    expect(Object.keys(decodeRestored({ bucket: {}, limit: [], service: { serviceMs: null } }, []))).toEqual(["leases", "service"]);
  });
});
