import type { Context } from "hono";
import { LRUCache } from "lru-cache";
import type { AcquireRequest, AcquireResult } from "../../durable-objects/contracts/admission";
import type { ControllerCallKind } from "../../durable-objects/contracts/telemetry";
import type { AppEnv, TenantContext } from "../app-env";
import { isolateRecorder } from "../telemetry/isolate-telemetry";
import { controllerNamed } from "./controller";
import { ShardMapCache } from "./shard-map-cache";
import { ShardRouter } from "./shard-router";

/**
 * The acquire's way to a tenant's controllers (DESIGN.md section 7): the shard this isolate's
 * router picks from its cached shard map (the root while K = 1), one retry on another
 * controller when that call throws (acquire is safe to retry: a failed call granted nothing
 * we could use) or the shard says it no longer serves, and the map refreshed from the answer.
 * Every call to a controller is counted for taskflow_admission_controller_calls_total.
 */

/** A controller call slower than this (its queue wait excluded), plus twice any simulated RTT, ejects the shard. */
export const SLOW_CONTROLLER_CALL_MS = 1000;

type AdmissionContext = Context<AppEnv>;
export type Controller = ReturnType<typeof controllerNamed>;

const shardMaps = new ShardMapCache();
const routers = new LRUCache<string, ShardRouter>({ max: 10_000 });
/** Roots this isolate has already reached (so they hold a quota); shards get theirs from the root. */
const configuredRoots = new Set<string>();

export interface RoutedDecision {
  decision: AcquireResult;
  /** The controller that answered: the release (and lease extensions) go to it. */
  controller: Controller;
  target: string;
}

export async function acquireRouted(c: AdmissionContext, tenant: TenantContext, request: AcquireRequest): Promise<RoutedDecision> {
  const router = routerOf(c, tenant.id);
  const first = router.choose(shardMaps.current(tenant.id, Date.now()), Date.now(), Math.random);
  let answer: RoutedDecision;
  try {
    answer = await ask(c, tenant, router, first, request);
  } catch (err) {
    const next = router.failover(shardMaps.current(tenant.id, Date.now()), first, Date.now(), Math.random);
    if (next === undefined) throw err;
    logFailover(tenant.id, first, next, err);
    answer = await ask(c, tenant, router, next, request);
  }
  // A shard that cannot serve (retired, or holding no slot) sends the request to the root, which always can.
  if (answer.target !== router.root && isNotServing(answer.decision)) return ask(c, tenant, router, router.root, { ...request, forwarded: true });
  return answer;
}

/** The root may have lost its quota (X-Fault-Controller: evict): the next acquire sends it again. */
export function forgetConfiguredRoot(tenantId: string): void {
  configuredRoots.delete(tenantId);
}

/** Counts one call to one of `tenant`'s controllers (when telemetry is on). */
export function countControllerCall(c: AdmissionContext, tenantId: string, kind: ControllerCallKind): void {
  const config = c.get("config");
  if (config.telemetry) isolateRecorder(config).recordControllerCall(tenantId, kind);
}

export function isNotServing(decision: AcquireResult): boolean {
  return !decision.granted && decision.detail === "not_serving";
}

async function ask(c: AdmissionContext, tenant: TenantContext, router: ShardRouter, target: string, request: AcquireRequest): Promise<RoutedDecision> {
  const controller = controllerNamed(c, target);
  const isRoot = target === router.root;
  const withVersion: AcquireRequest = { ...request };
  const version = shardMaps.version(tenant.id);
  if (version !== undefined) withVersion.shardMapVersion = version;
  countControllerCall(c, tenant.id, "acquire");
  const started = performance.now();
  router.started(target, Date.now());
  let decision: AcquireResult;
  try {
    // The root needs the quota only before its first configuration; shards take theirs from the root.
    decision = isRoot && !configuredRoots.has(tenant.id) ? await controller.acquire(withVersion, tenant.quota) : await controller.acquire(withVersion);
  } catch (err) {
    router.ended(target, { ok: false, latencyMs: performance.now() - started }, Date.now());
    throw err;
  }
  if (isRoot) configuredRoots.add(tenant.id);
  const ownMs = performance.now() - started - (decision.granted ? decision.queuedMs : 0);
  router.ended(target, { ok: true, latencyMs: Math.max(0, ownMs) }, Date.now());
  if (decision.shardMap) shardMaps.learn(tenant.id, decision.shardMap, Date.now());
  else shardMaps.confirm(tenant.id, Date.now());
  return { decision, controller, target };
}

function routerOf(c: AdmissionContext, tenantId: string): ShardRouter {
  const config = c.get("config");
  // Keyed by the settings too, so an env with other vars (tests) never reuses a router built for another.
  const key = `${config.loadBalancerAlgorithm}:${config.healthCheckIntervalMs}:${config.simulatedControllerRttMs}:${tenantId}`;
  let router = routers.get(key);
  if (!router) {
    router = new ShardRouter(tenantId, {
      algorithm: config.loadBalancerAlgorithm,
      ejectForMs: config.healthCheckIntervalMs,
      slowCallMs: SLOW_CONTROLLER_CALL_MS + 2 * config.simulatedControllerRttMs,
    });
    routers.set(key, router);
  }
  return router;
}

function logFailover(tenantId: string, from: string, to: string, err: unknown): void {
  console.warn(JSON.stringify({ level: "warn", event: "admission_controller_failover", tenant: tenantId, from, to, error: String(err) }));
}
