import { z } from "zod";

/**
 * The `[vars]` of wrangler.toml (DESIGN.md section 5), parsed once per environment object.
 * Vars arrive as strings; a value that does not parse is an error naming the variable,
 * never a silent NaN.
 */

const positiveInt = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^\d+$/, `${name} must be a positive integer, got a non-numeric value`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n > 0, `${name} must be a positive integer`);

const percent = (name: string) => positiveInt(name).refine((n) => n <= 100, `${name} must be a percent from 1 to 100`);

const nonNegativeInt = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), `${name} must be a non-negative integer`);

const flag = (name: string) =>
  z.enum(["true", "false", "on", "off"], { error: `${name} must be one of true, false, on, off` }).transform((v) => v === "true" || v === "on");

const oneOf = <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z.enum(values, { error: `${name} must be one of ${values.join(", ")}` });

/** Why `entry` cannot be a CORS origin, or null: an https origin, or http on localhost for development. */
function originProblem(entry: string): string | null {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return "is not an origin such as https://app.example.com";
  }
  // Browsers send the serialised origin: lower case, no default port, no path.
  if (url.origin !== entry) return `is not written as browsers send it (${url.origin})`;
  if (url.protocol === "https:" || (url.protocol === "http:" && url.hostname === "localhost")) return null;
  return "must be https (http only on localhost)";
}

/** A comma list of origins; empty means no CORS at all. */
const originList = (name: string) =>
  z
    .string({ error: `${name} must be a comma-separated list of origins` })
    .default("")
    .transform((raw, ctx) => {
      const origins = raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const origin of origins) {
        const problem = originProblem(origin);
        if (problem) ctx.issues.push({ code: "custom", input: raw, message: `${name}: ${JSON.stringify(origin)} ${problem}` });
      }
      return origins;
    });

const VarsSchema = z.object({
  MAX_CONCURRENT_REQUESTS: positiveInt("MAX_CONCURRENT_REQUESTS"),
  REQUEST_QUEUE_SIZE: positiveInt("REQUEST_QUEUE_SIZE"),
  REQUEST_TIMEOUT: positiveInt("REQUEST_TIMEOUT"),
  RATE_LIMIT_MAX_REQUESTS: positiveInt("RATE_LIMIT_MAX_REQUESTS"),
  RATE_LIMIT_WINDOW_MS: positiveInt("RATE_LIMIT_WINDOW_MS"),
  CPU_MAX_CAPACITY: percent("CPU_MAX_CAPACITY"),
  MEMORY_MAX_CAPACITY: positiveInt("MEMORY_MAX_CAPACITY"),
  DB_MAX_CONNECTIONS: positiveInt("DB_MAX_CONNECTIONS"),
  LOAD_BALANCER_ALGORITHM: oneOf("LOAD_BALANCER_ALGORITHM", ["adaptive", "round-robin", "least-connections", "weighted"]),
  HEALTH_CHECK_INTERVAL: positiveInt("HEALTH_CHECK_INTERVAL"),
  CACHE_STRATEGY: oneOf("CACHE_STRATEGY", ["adaptive", "lru", "off"]),
  CACHE_MAX_SIZE: positiveInt("CACHE_MAX_SIZE"),
  DB_SLOW_QUERY_THRESHOLD: positiveInt("DB_SLOW_QUERY_THRESHOLD"),
  DB_ENABLE_QUERY_LOGGING: flag("DB_ENABLE_QUERY_LOGGING"),
  PERFORMANCE_MONITORING_INTERVAL: positiveInt("PERFORMANCE_MONITORING_INTERVAL"),
  FAULT_INJECTION: flag("FAULT_INJECTION").default(false),
  ADMISSION_CONTROL: z
    .enum(["true", "false", "on", "off", "rate-limit-binding"], { error: "ADMISSION_CONTROL must be one of on, off, true, false, rate-limit-binding" })
    .default("on"),
  TELEMETRY: flag("TELEMETRY").default(true),
  ISOLATE_LEASES: flag("ISOLATE_LEASES").default(true),
  RESOURCE_GOVERNOR: flag("RESOURCE_GOVERNOR").default(true),
  SIMULATED_CONTROLLER_RTT_MS: nonNegativeInt("SIMULATED_CONTROLLER_RTT_MS").default(0),
  ADMISSION_CONTROLLER_TARGET_RPS: positiveInt("ADMISSION_CONTROLLER_TARGET_RPS").default(500),
  CORS_ALLOWED_ORIGINS: originList("CORS_ALLOWED_ORIGINS"),
});

export type CacheStrategy = z.infer<typeof VarsSchema>["CACHE_STRATEGY"];

export interface Config {
  admission: {
    maxConcurrency: number;
    queueSize: number;
    timeoutMs: number;
    rateLimit: { requests: number; windowMs: number; burst: number };
  };
  resources: {
    /** Percent of its thread an admission controller may keep busy before it sheds (1..100). */
    cpuMaxCapacity: number;
    /** MiB the isolate's data caches may hold together. */
    memoryMaxCapacityMb: number;
    dbMaxConnections: number;
  };
  loadBalancerAlgorithm: z.infer<typeof VarsSchema>["LOAD_BALANCER_ALGORITHM"];
  healthCheckIntervalMs: number;
  /** Every isolate data cache (worker/cache): its policy and its entry bound, per cache. */
  cache: { strategy: CacheStrategy; maxSize: number };
  db: { slowQueryThresholdMs: number; queryLogging: boolean };
  monitoringIntervalMs: number;
  faultInjection: boolean;
  /** Our controller admits /v1 requests; off only for A/B measurements (then nothing does, or the peer). */
  admissionControl: boolean;
  /** The benchmark's peer admits instead of our controller: the Workers Rate Limiting binding, keyed by tenant. */
  admissionPeer: "rate-limit-binding" | null;
  /** Off only to measure what recording and flushing cost. */
  telemetry: boolean;
  /** Isolates may hold leased budget and admit by themselves at load normal (DESIGN.md section 7). */
  isolateLeases: boolean;
  /** Controllers report to the ResourceGovernor and keep their limit under its cap (DESIGN.md section 8); off only for A/B measurements. */
  resourceGovernor: boolean;
  /** With fault injection on: ms added to every Worker-to-controller call, as a distant controller would. */
  simulatedControllerRttMs: number;
  /** Controller calls per second one admission controller is meant to serve; past it a tenant is sharded (DESIGN.md section 7). */
  controllerTargetRps: number;
  /** Origins whose browsers may call the API (CORS); empty: none, and no CORS headers at all. */
  corsAllowedOrigins: readonly string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function parseConfig(vars: Record<string, unknown>): Config {
  const parsed = VarsSchema.safeParse(vars);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "?");
      return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  const v = parsed.data;
  return {
    admission: {
      maxConcurrency: v.MAX_CONCURRENT_REQUESTS,
      queueSize: v.REQUEST_QUEUE_SIZE,
      timeoutMs: v.REQUEST_TIMEOUT,
      rateLimit: { requests: v.RATE_LIMIT_MAX_REQUESTS, windowMs: v.RATE_LIMIT_WINDOW_MS, burst: v.RATE_LIMIT_MAX_REQUESTS },
    },
    resources: { cpuMaxCapacity: v.CPU_MAX_CAPACITY, memoryMaxCapacityMb: v.MEMORY_MAX_CAPACITY, dbMaxConnections: v.DB_MAX_CONNECTIONS },
    loadBalancerAlgorithm: v.LOAD_BALANCER_ALGORITHM,
    healthCheckIntervalMs: v.HEALTH_CHECK_INTERVAL,
    cache: { strategy: v.CACHE_STRATEGY, maxSize: v.CACHE_MAX_SIZE },
    db: { slowQueryThresholdMs: v.DB_SLOW_QUERY_THRESHOLD, queryLogging: v.DB_ENABLE_QUERY_LOGGING },
    monitoringIntervalMs: v.PERFORMANCE_MONITORING_INTERVAL,
    faultInjection: v.FAULT_INJECTION,
    admissionControl: v.ADMISSION_CONTROL === "on" || v.ADMISSION_CONTROL === "true",
    admissionPeer: v.ADMISSION_CONTROL === "rate-limit-binding" ? "rate-limit-binding" : null,
    telemetry: v.TELEMETRY,
    isolateLeases: v.ISOLATE_LEASES,
    resourceGovernor: v.RESOURCE_GOVERNOR,
    simulatedControllerRttMs: v.FAULT_INJECTION ? v.SIMULATED_CONTROLLER_RTT_MS : 0,
    controllerTargetRps: v.ADMISSION_CONTROLLER_TARGET_RPS,
    corsAllowedOrigins: v.CORS_ALLOWED_ORIGINS,
  };
}

const cache = new WeakMap<object, Config>();

/** The env object is the same for every request of an isolate, so this parses once. */
export function configOf(env: object): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
