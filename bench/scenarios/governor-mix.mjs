// What the governor scenarios (weighted fairness, work conservation) share: a light mix of
// reads and writes on one tenant, and the capacity of that mix, measured once per run with
// admission off (closed model, best of a few concurrencies), so "2× capacity" means 2× what
// this machine served in the same run.
import { auth, createTaskEntry, createTenant, seedTasks, UNLIMITED_RATE } from "./api.mjs";
import { measureCapacity } from "./util.mjs";

/** Rejections must come from overload control, not the rate budget; a 5 s deadline. */
export const GOVERNOR_QUOTA = { rateLimit: UNLIMITED_RATE, queueSize: 500, timeoutMs: 5000 };

/** One tenant's mix: pages and creates at the same request priority, so only the governor tells tenants apart. */
export function governorMix({ apiKey, ledger, phase, group }) {
  return [
    { name: `${group}-page`, path: "/v1/tasks?limit=20", headers: auth(apiKey, "normal"), weight: 3, group },
    createTaskEntry({ name: `${group}-create`, apiKey, priority: "normal", weight: 1, group, ledger, phase }),
  ];
}

export async function governorTenant(ctx, name, weight) {
  const tf = ctx.taskflow;
  const tenant = await createTenant(tf.origin, tf.adminToken, `bench-${name}-${ctx.runId}`, { ...GOVERNOR_QUOTA, ...(weight ? { weight } : {}) });
  await seedTasks(tf.origin, tenant.apiKey, 500);
  return tenant;
}

/** The mix's capacity (req/s of 2xx), measured with admission off on a tenant of its own; cached for the run. */
export async function governorCapacity(ctx) {
  if (ctx.shared.governorCapacity) return ctx.shared.governorCapacity;
  const tf = ctx.taskflow;
  await tf.serve(false);
  const tenant = await governorTenant(ctx, "governor-capacity");
  const cap = await measureCapacity({
    origin: tf.origin, mix: governorMix({ apiKey: tenant.apiKey, ledger: ctx.ledger, phase: "governor-cap", group: "cap" }),
    concurrency: [4, 16, 64], durationMs: ctx.seconds(8, 2) * 1000, warmupMs: 500, ledger: ctx.ledger, timeoutMs: ctx.quick ? 6000 : 10_000,
  });
  ctx.log(`  governor mix capacity (admission off, closed model): ${cap.steps.map((x) => `${x.concurrency} clients ${x.goodput.toFixed(0)}`).join(", ")} req/s → ${cap.goodput.toFixed(1)} req/s`);
  ctx.shared.governorCapacity = cap.goodput;
  return cap.goodput;
}
