import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../worker/config";
import { RATE_LIMIT_BINDING_PERIOD_S } from "../../worker/admission/rate-limit-peer";
import wranglerToml from "../../wrangler.toml?raw";
import { shippedVars } from "./shipped-vars";

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
    ["CACHE_MAX_SIZE", "0"],
    ["CACHE_MAX_SIZE", "many"],
    ["MEMORY_MAX_CAPACITY", "-1"],
    ["CPU_MAX_CAPACITY", "0"],
    ["CPU_MAX_CAPACITY", "101"],
    ["CPU_MAX_CAPACITY", "50%"],
    ["PERFORMANCE_MONITORING_INTERVAL", "soon"],
    ["ADMISSION_CONTROL", "rate-limit"],
    ["ADMISSION_CONTROLLER_TARGET_RPS", "0"],
    ["ADMISSION_CONTROLLER_TARGET_RPS", "fast"],
  ])("names %s when its value %j is invalid", (name, value) => {
    const vars = { ...shippedVars(), [name]: value };
    expect(() => parseConfig(vars)).toThrow(ConfigError);
    expect(() => parseConfig(vars)).toThrow(name);
  });

  it("parses the cache and resource knobs", () => {
    const config = parseConfig({ ...shippedVars(), CACHE_STRATEGY: "lru", CACHE_MAX_SIZE: "250", MEMORY_MAX_CAPACITY: "16", CPU_MAX_CAPACITY: "60" });
    expect(config.cache).toEqual({ strategy: "lru", maxSize: 250 });
    expect(config.resources).toMatchObject({ cpuMaxCapacity: 60, memoryMaxCapacityMb: 16 });
    expect(parseConfig(shippedVars()).cache).toEqual({ strategy: "adaptive", maxSize: 10_000 });
    for (const strategy of ["adaptive", "lru", "off"]) expect(parseConfig({ ...shippedVars(), CACHE_STRATEGY: strategy }).cache.strategy).toBe(strategy);
  });

  it("takes CPU_MAX_CAPACITY from 1 to 100 percent", () => {
    for (const percent of [1, 50, 100]) expect(parseConfig({ ...shippedVars(), CPU_MAX_CAPACITY: String(percent) }).resources.cpuMaxCapacity).toBe(percent);
    expect(() => parseConfig({ ...shippedVars(), CPU_MAX_CAPACITY: "101" })).toThrow(/CPU_MAX_CAPACITY must be a percent from 1 to 100/);
  });

  it("takes ADMISSION_CONTROLLER_TARGET_RPS, 500 when absent", () => {
    expect(parseConfig(shippedVars()).controllerTargetRps).toBe(500);
    const { ADMISSION_CONTROLLER_TARGET_RPS: _, ...withoutTarget } = shippedVars();
    expect(parseConfig(withoutTarget).controllerTargetRps).toBe(500);
    expect(parseConfig({ ...shippedVars(), ADMISSION_CONTROLLER_TARGET_RPS: "50" }).controllerTargetRps).toBe(50);
  });

  it("FAULT_INJECTION is off when absent (DESIGN.md section 5's default), on only when set", () => {
    const { FAULT_INJECTION: _, ...withoutFaults } = shippedVars();
    expect(parseConfig(withoutFaults).faultInjection).toBe(false);
    expect(parseConfig({ ...shippedVars(), FAULT_INJECTION: "on" }).faultInjection).toBe(true);
  });

  it("names a missing variable", () => {
    const { REQUEST_QUEUE_SIZE: _, ...vars } = shippedVars();
    expect(() => parseConfig(vars)).toThrow(/REQUEST_QUEUE_SIZE/);
  });

  it("ADMISSION_CONTROL picks who admits: our controller, nobody, or the rate-limit binding (the benchmark's peer)", () => {
    const mode = (value: string) => {
      const c = parseConfig({ ...shippedVars(), ADMISSION_CONTROL: value });
      return { admissionControl: c.admissionControl, admissionPeer: c.admissionPeer };
    };
    expect(mode("on")).toEqual({ admissionControl: true, admissionPeer: null });
    expect(mode("true")).toEqual({ admissionControl: true, admissionPeer: null });
    expect(mode("off")).toEqual({ admissionControl: false, admissionPeer: null });
    expect(mode("rate-limit-binding")).toEqual({ admissionControl: false, admissionPeer: "rate-limit-binding" });
    expect(parseConfig(shippedVars()).admissionControl).toBe(true);
  });

  it("the rate-limit binding's period in wrangler.toml is the Retry-After its refusals announce", () => {
    const binding = wranglerToml.split("[[ratelimits]]")[1] ?? "";
    expect(binding).toMatch(/name = "TENANT_RATE_LIMIT"/);
    expect(Number(/period = (\d+)/.exec(binding)?.[1])).toBe(RATE_LIMIT_BINDING_PERIOD_S);
  });
});
