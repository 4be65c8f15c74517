import { knownLoadLevel, knownRateLimitHeaders, markAskedAtDoor, noteArrivalAtDoor, throttleAtDoor } from "./admission/admission-run";
import { doorRoutes, refuseAtDoor, type DoorDeps } from "./admission/door-refusal";
import { declaredRoutes } from "./admission/route-admission";
import { configOf } from "./config";
import { knownTenant } from "./middleware/auth";
import { isolateRecorder, monitorSender } from "./telemetry/isolate-telemetry";

export type Door = (request: Request, env: Env, ctx: ExecutionContext) => Response | undefined;

/**
 * The Worker's door: a request this isolate's throttle refuses is answered here, before the
 * app (admission/door-refusal.ts), with this isolate's config, auth cache, throttle and
 * telemetry. Undefined: the app serves the request.
 */
export function createDoor(app: { routes: readonly { method: string; path: string; handler: object }[] }): Door {
  const routes = doorRoutes(declaredRoutes(app.routes));
  // The env is the same object for every request of an isolate: the door's view is built once.
  const depsByEnv = new WeakMap<object, DoorDeps>();
  const depsFor = (env: Env): DoorDeps | undefined => {
    let deps = depsByEnv.get(env);
    if (deps) return deps;
    let config;
    try {
      config = configOf(env);
    } catch {
      return undefined; // the app answers a bad configuration with its problem+json
    }
    const telemetryOn = config.telemetry;
    deps = {
      config,
      routes,
      knownTenant,
      knownLevel: knownLoadLevel,
      throttle: (tenantId, priority) => throttleAtDoor(tenantId, priority, Date.now(), Math.random()),
      noteArrival: (tenantId) => noteArrivalAtDoor(tenantId, Date.now()),
      markAsked: markAskedAtDoor,
      rateLimitHeaders: knownRateLimitHeaders,
      record: (r, keepAlive) => {
        if (!telemetryOn) return;
        const recorder = isolateRecorder(config);
        const now = Date.now();
        recorder.record(r, now);
        recorder.flushIfDue(now, monitorSender(env), keepAlive);
      },
      now: () => performance.now(),
    };
    depsByEnv.set(env, deps);
    return deps;
  };
  return (request, env, ctx) => {
    const deps = depsFor(env);
    return deps && refuseAtDoor(request, deps, (work) => ctx.waitUntil(work));
  };
}
