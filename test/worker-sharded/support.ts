import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardControllerName } from "../../durable-objects/contracts/object-names";
import type { AdmissionStateDocument } from "../../durable-objects/contracts/admission";
import { ADMIN_TOKEN, call, json, workerWith, type TestTenant } from "../worker/helpers";

/** A quota roomy enough that only sharding, not the budget, decides what happens. */
export const roomy = { rateLimit: { requests: 1, windowMs: 3_600_000, burst: 2000 }, maxConcurrency: 64, minConcurrency: 32 };

/** Every request asks a controller (no isolate leases), so controller calls track requests. */
export const noLeases = workerWith({ ISOLATE_LEASES: "off" });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const rootOf = (tenantId: string) => env.ADMISSION.get(env.ADMISSION.idFromName(tenantId));
export const shardOf = (tenantId: string, index: number) => env.ADMISSION.get(env.ADMISSION.idFromName(shardControllerName(tenantId, index)));

export async function rootState(tenantId: string): Promise<AdmissionStateDocument> {
  return json<AdmissionStateDocument>(await call("GET", `/admin/tenants/${tenantId}/admission`, { token: ADMIN_TOKEN }));
}

/** Runs the root's alarm now if one is set (ticks K, probes, takes back retired budget). */
export async function rootAlarm(tenantId: string): Promise<boolean> {
  return runDurableObjectAlarm(rootOf(tenantId));
}

/** `count` reads of the tenant, `parallel` at a time, through a Worker without isolate leases. */
export async function load(tenant: TestTenant, count: number, parallel = 8, send = noLeases): Promise<Response[]> {
  const answers: Response[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        answers.push(await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey }));
      }
    }),
  );
  return answers;
}

/** Load for at least `ms`, so the root measures it over a whole tick. */
export async function loadFor(tenant: TestTenant, ms: number, parallel = 4, send = noLeases): Promise<Response[]> {
  const until = Date.now() + ms;
  const answers: Response[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < until) answers.push(await send("GET", "/v1/tasks?limit=1", { token: tenant.apiKey }));
    }),
  );
  return answers;
}
