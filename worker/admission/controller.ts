import type { Context } from "hono";
import { admissionControllerName } from "../../durable-objects/contracts/object-names";
import type { AppEnv } from "../app-env";

/** The tenant's AdmissionController stub. */
export function admissionController(c: Context<AppEnv, string, object>, tenantId: string) {
  return c.env.ADMISSION.get(c.env.ADMISSION.idFromName(admissionControllerName(tenantId)));
}
