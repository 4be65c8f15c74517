import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { answeringRoute } from "../admission/route-admission";
import type { AppEnv } from "../app-env";
import { faultsOf } from "../chaos/chaos-step";
import { isolateRecorder, monitorSender } from "../telemetry/isolate-telemetry";
import type { SendBatch } from "../telemetry/recorder";

/**
 * Records every answered request into this isolate's sketches (route template, method,
 * tenant, request priority, outcome, component timings) and, when due, flushes them to the
 * Monitor DO through waitUntil: after the response, never able to fail it.
 */
export const telemetry = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const config = c.get("config");
  // No config: it failed to parse, nothing to record against. Off: the A/B measurement.
  if (!config?.telemetry) return;
  const recorder = isolateRecorder(config);
  const timings = c.get("timings");
  const now = Date.now();
  recorder.record(
    {
      route: routeTemplate(c),
      method: c.req.method,
      status: c.res.status,
      tenant: c.get("tenant")?.id ?? null,
      priority: c.get("requestPriority") ?? null,
      durationMs: performance.now() - timings.startedAt,
      queueMs: timings.queueMs,
      dbMs: timings.dbMs,
      ...(c.get("refusal") ? { outcome: c.get("refusal") } : {}),
    },
    now,
  );
  // X-Fault-Monitor: down (fault injection only): this request flushes at once, to a Monitor
  // that does not answer, so the fault acts even between two due flushes.
  const monitorDown = faultsOf(c).monitorDown;
  recorder.flushIfDue(now, monitorDown ? unreachableMonitor : monitorSender(c.env), (promise) => c.executionCtx.waitUntil(promise), monitorDown);
});

const unreachableMonitor: SendBatch = () => Promise.reject(new Error("X-Fault-Monitor: down: the Monitor did not answer"));

/** The matched route's template ("/v1/tasks/:id"); raw paths would be unbounded label values. */
function routeTemplate(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]): string {
  return answeringRoute(matchedRoutes(c))?.path ?? "unmatched";
}
