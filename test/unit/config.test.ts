import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/config";
import wranglerToml from "../../wrangler.toml?raw";

/** The [vars] exactly as wrangler.toml ships them. */
function shippedVars(): Record<string, string> {
  const section = wranglerToml.split("[vars]")[1]?.split(/\n\[/)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]));
}

describe("config", () => {
  it("parses the shipped wrangler.toml vars into typed values", () => {
    const config = parseConfig(shippedVars());
    expect(config.admission).toEqual({ maxConcurrency: 100, queueSize: 1000, timeoutMs: 30_000, rateLimit: { requests: 100, windowMs: 60_000, burst: 100 } });
    expect(config.db).toEqual({ slowQueryThresholdMs: 1000, queryLogging: true });
    expect(config.faultInjection).toBe(false);
    expect(config.monitoringIntervalMs).toBe(10_000);
  });

  it.each([
    ["MAX_CONCURRENT_REQUESTS", "lots"],
    ["REQUEST_TIMEOUT", "-5"],
    ["RATE_LIMIT_WINDOW_MS", "0"],
    ["RATE_LIMIT_MAX_REQUESTS", "1.5"],
    ["FAULT_INJECTION", "maybe"],
    ["CACHE_STRATEGY", "fifo"],
  ])("names %s when its value %j is invalid", (name, value) => {
    const vars = { ...shippedVars(), [name]: value };
    expect(() => parseConfig(vars)).toThrow(ConfigError);
    expect(() => parseConfig(vars)).toThrow(name);
  });

  it("names a missing variable", () => {
    const { REQUEST_QUEUE_SIZE: _, ...vars } = shippedVars();
    expect(() => parseConfig(vars)).toThrow(/REQUEST_QUEUE_SIZE/);
  });
});
