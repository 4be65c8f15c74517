import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import openapi from "../../openapi/openapi.json";
import { describeRequest, requestArbitrary, type FuzzRequest, type FuzzWorld, type OpenApiDocument } from "./fuzz/request-arbitrary";
import { ADMIN_TOKEN, call, createTask, createTenant, createUser, generousQuota, json, type TestTenant } from "./helpers";

/**
 * Property-based fuzzing from the OpenAPI document: requests to every operation, valid and
 * invalid, with hostile headers and bodies, must never meet a 5xx other than an admission
 * refusal, and every error must be problem+json. Afterwards each tenant's data is intact and
 * its own. FUZZ_SEED and FUZZ_REQUESTS (environment variables) replay a run or change its size.
 */

const SEED = Number(env.FUZZ_SEED || 20_261_202);
const REQUESTS = Number(env.FUZZ_REQUESTS || 10_000);
/** Requests in flight at once on average: enough to keep workerd busy while D1 answers. */
const CONCURRENCY = 32;
/** Past this, shrinking stops and the smallest failing request found so far is reported. */
const SHRINK_DEADLINE_MS = 150_000;

/** Small enough that the fuzz meets its rate limit and a full queue. */
const tightQuota = { rateLimit: { requests: 30, windowMs: 60_000, burst: 10 }, maxConcurrency: 1, queueSize: 1 };

interface World {
  fuzz: FuzzWorld;
  tenants: TestTenant[];
  tight: TestTenant;
}

async function buildWorld(): Promise<World> {
  const generous = [await createTenant(generousQuota), await createTenant(generousQuota), await createTenant(generousQuota)];
  const tight = await createTenant(tightQuota);
  // Operator calls that change or revoke aim at this tenant only, so the fuzzed keys stay valid.
  const operatorTarget = await createTenant();
  const taskIds: string[] = [];
  const userIds: string[] = [];
  for (const tenant of generous) {
    for (let i = 0; i < 3; i++) taskIds.push((await createTask(tenant, { title: `seed ${i}` })).id);
    for (let i = 0; i < 2; i++) userIds.push((await createUser(tenant)).id);
  }
  const adminPaths = Object.keys(openapi.paths).filter((p) => p.startsWith("/admin/tenants/{id}"));
  return {
    tenants: [...generous, tight],
    tight,
    fuzz: {
      adminToken: ADMIN_TOKEN,
      tenantKeys: [...generous.map((t) => ({ key: t.apiKey, weight: 4 })), { key: tight.apiKey, weight: 1 }],
      pathValues: {
        "/v1/tasks/{id} id": taskIds,
        "/v1/users/{id} id": userIds,
        ...Object.fromEntries(adminPaths.map((p) => [`${p} id`, [operatorTarget.id]])),
        "/admin/tenants/{id}/keys/{keyId} keyId": [operatorTarget.apiKeyId],
      },
      bodyHints: { assigneeId: fc.constantFrom(...userIds), id: fc.constantFrom(...taskIds) },
    },
  };
}

interface Problem {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  reason?: unknown;
}

/** What is wrong with the answer to a request, or undefined when it keeps the contract. */
async function contractViolation(request: FuzzRequest, statuses: Map<number, number>): Promise<string | undefined> {
  const res = await exports.default.fetch(new Request(`https://taskflow.test${request.path}`, { method: request.method, headers: request.headers, body: request.body }));
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.status < 400) return undefined;
  const answer = `${res.status} ${res.headers.get("content-type")} ${text.slice(0, 300)}`;
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) return `error without problem+json: ${answer}`;
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    return `problem body is not JSON: ${answer}`;
  }
  if (typeof problem.type !== "string" || typeof problem.title !== "string" || typeof problem.detail !== "string" || problem.status !== res.status) return `incomplete problem: ${answer}`;
  // A 503 is either an admission refusal (with its reason) or a declared degradation: low text
  // search refused under load (README, Graceful degradation), marked X-Degraded: search.
  const declaredDegradation = res.headers.get("x-degraded") === "search" && res.headers.get("retry-after") !== null;
  if (res.status === 503 && typeof problem.reason !== "string" && !declaredDegradation) return `503 without an admission reason: ${answer}`;
  if (res.status >= 500 && res.status !== 503) return `server error: ${answer}`;
  return undefined;
}

async function tenantRows(tenant: TestTenant): Promise<string[]> {
  return (await env.DB.prepare("SELECT id FROM tasks WHERE tenant_id = ?").bind(tenant.id).all<{ id: string }>()).results.map((r) => r.id);
}

/**
 * The tenant's stats computed now: right after the fuzz the load level may still be elevated,
 * and a snapshot served then (X-Degraded) cannot be compared with D1.
 */
async function freshStats(tenant: TestTenant): Promise<{ total: number }> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const res = await call("GET", "/v1/tasks/stats", { token: tenant.apiKey, headers: { "x-priority": "critical" } });
    if (res.status === 200 && res.headers.get("x-degraded") === null) return json<{ total: number }>(res);
    // Shedding low-value work (503) is the other face of the same lingering load.
    expect([200, 503], await res.clone().text()).toContain(res.status);
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`stats of ${tenant.id} still degraded or shed after 15 s`);
}

describe("fuzzing from the OpenAPI document", () => {
  it(
    `${REQUESTS} generated requests keep the error contract, and leave each tenant's data intact and its own`,
    async () => {
      const world = await buildWorld();
      const requests = requestArbitrary(openapi as unknown as OpenApiDocument, world.fuzz);
      const statuses = new Map<number, number>();
      let sent = 0;
      let failing = false;
      const started = Date.now();

      // Batches vary in size so that shrinking can drop requests down to the one that fails.
      const batches = fc.array(requests, { minLength: 1, maxLength: 2 * CONCURRENCY, size: "max" });
      const details = await fc.check(
        fc.asyncProperty(batches, async (batch) => {
          // Once the budget is spent the remaining runs only generate; shrinking always sends.
          if (sent >= REQUESTS && !failing) return;
          const violations = await Promise.all(batch.map((request) => contractViolation(request, statuses).then((v) => (v ? `${v}\nrequest (${request.operation}):\n${describeRequest(request)}` : undefined))));
          sent += batch.length;
          const violation = violations.find((v) => v !== undefined);
          if (violation) {
            failing = true;
            throw new Error(violation);
          }
        }),
        // Every run sends at least one request, so REQUESTS runs always cover the budget.
        { seed: SEED, numRuns: REQUESTS, interruptAfterTimeLimit: SHRINK_DEADLINE_MS },
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(`fuzz: ${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), seed ${SEED}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      if (details.failed) {
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        expect.fail(`fuzz failed with seed ${SEED} (replay: FUZZ_SEED=${SEED}), path ${details.counterexamplePath}, after ${details.numShrinks} shrinks:\n${error}`);
      }
      expect(sent).toBeGreaterThanOrEqual(REQUESTS);
      // Admission refusals were met, not just theorised.
      expect((statuses.get(429) ?? 0) + (statuses.get(503) ?? 0)).toBeGreaterThan(0);

      // Lift the tight tenant's quota so its invariants can be read like the others'.
      expect((await call("PUT", `/admin/tenants/${world.tight.id}/quota`, { token: ADMIN_TOKEN, body: generousQuota })).status).toBe(200);

      const rows = new Map<TestTenant, string[]>();
      for (const tenant of world.tenants) rows.set(tenant, await tenantRows(tenant));
      for (const tenant of world.tenants) {
        expect((await freshStats(tenant)).total, `stats total of ${tenant.id}`).toBe(rows.get(tenant)?.length);
      }
      for (const owner of world.tenants) {
        const sample = (rows.get(owner) ?? []).slice(0, 20);
        for (const other of world.tenants.filter((t) => t !== owner)) {
          for (const id of sample) {
            const res = await call("GET", `/v1/tasks/${id}`, { token: other.apiKey });
            expect(res.status, `task ${id} of ${owner.id} read with ${other.id}'s key`).toBe(404);
            await res.body?.cancel();
          }
        }
      }
    },
    240_000,
  );
});
