import type { Context } from "hono";
import { admissionControllerName } from "../../durable-objects/contracts/object-names";
import type { AppEnv } from "../app-env";

/**
 * The tenant's root AdmissionController stub. With SIMULATED_CONTROLLER_RTT_MS (fault
 * injection only) every call on it first waits that long, as a controller on another continent would.
 */
export function admissionController(c: Context<AppEnv, string, object>, tenantId: string) {
  return controllerNamed(c, admissionControllerName(tenantId));
}

/** Any of a tenant's controllers by its name: the root (`<tenant>`) or a shard (`<tenant>#<i>`). */
export function controllerNamed(c: Context<AppEnv, string, object>, name: string) {
  const stub = c.env.ADMISSION.get(c.env.ADMISSION.idFromName(name));
  const rttMs = c.get("config").simulatedControllerRttMs;
  return rttMs > 0 ? delayedCalls(stub, rttMs) : stub;
}

function delayedCalls<T extends object>(stub: T, delayMs: number): T {
  return new Proxy(stub, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return Reflect.apply(value, target, args);
      };
    },
  });
}
