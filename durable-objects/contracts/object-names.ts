/**
 * How the Worker and the Durable Objects name the objects they share (idFromName), in one
 * place so both sides always reach the same instance.
 */

/** The account's single Monitor instance, shared by isolates and admission controllers. */
export const MONITOR_NAME = "global";

/** One AdmissionController per tenant; the object reads its tenant back from `ctx.id.name`. */
export const admissionControllerName = (tenantId: string): string => tenantId;

/** The account's single ResourceGovernor, which every admission controller reports to (DESIGN.md section 8). */
export const GOVERNOR_NAME = "global";
