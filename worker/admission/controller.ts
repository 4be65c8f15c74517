import type { Context } from "hono";
import type { AppEnv } from "../app-env";

/** The tenant's AdmissionController stub: one object per tenant, by name. */
export function admissionController(c: Context<AppEnv, string, object>, tenantId: string) {
  return c.env.ADMISSION.get(c.env.ADMISSION.idFromName(tenantId));
}
