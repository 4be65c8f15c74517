/**
 * How the Worker and the Durable Objects name the objects they share (idFromName), in one
 * place so both sides always reach the same instance.
 */

/** The account's single Monitor instance, shared by isolates and admission controllers. */
export const MONITOR_NAME = "global";

/** One AdmissionController per tenant (its root); the object reads its tenant back from `ctx.id.name`. */
export const admissionControllerName = (tenantId: string): string => tenantId;

/** The account's single ResourceGovernor, which every admission controller reports to (DESIGN.md section 8). */
export const GOVERNOR_NAME = "global";

/** Shard i of a tenant's admission controllers (DESIGN.md section 7): `"<tenant>#<i>"`. */
export const shardControllerName = (tenantId: string, index: number): string => `${tenantId}#${index}`;

/** Which controller a name addresses: the tenant's root, or shard `index` of it. Tenant ids never contain "#". */
export function parseControllerName(name: string): { tenant: string; index: number | null } {
  const at = name.lastIndexOf("#");
  if (at < 0) return { tenant: name, index: null };
  const index = Number(name.slice(at + 1));
  return Number.isInteger(index) && index >= 0 ? { tenant: name.slice(0, at), index } : { tenant: name, index: null };
}
