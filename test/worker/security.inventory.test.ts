import { describe, expect, it } from "vitest";
import { appRoutes } from "./app-routes";
import { shippedVars } from "../unit/shipped-vars";
import { ADMIN_TOKEN, call, createTenant, generousQuota, json, workerWith } from "./helpers";

/** OWASP API9 (improper inventory management): the published document is the whole API. */

/** Pages for people, not operations: the document's viewer and its files, the document, the dashboard page. */
const NOT_OPERATIONS = ["GET /docs", "GET /docs/*", "GET /openapi.json", "GET /dashboard"];

/** Routes served but not yet in the document. Each must still be missing, so the list only shrinks. */
const NOT_YET_DOCUMENTED: string[] = [];

/** `/v1/tasks/:id` → `/v1/tasks/{id}` */
const asOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

async function documentedOperations(): Promise<Set<string>> {
  const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await call("GET", "/openapi.json"));
  return new Set(Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)));
}

describe("API inventory", () => {
  it("every route the app serves is in /openapi.json, apart from the pages and the listed exceptions", async () => {
    const documented = await documentedOperations();
    const served = appRoutes().map((r) => `${r.method} ${asOpenApiPath(r.path)}`);
    const missing = served.filter((op) => !documented.has(op) && !NOT_OPERATIONS.includes(op));
    expect(missing.filter((op) => !NOT_YET_DOCUMENTED.includes(op)), "served but not documented").toEqual([]);
    expect(NOT_YET_DOCUMENTED.filter((op) => !missing.includes(op)), "documented or gone now: remove from NOT_YET_DOCUMENTED").toEqual([]);
  });

  it("the document names no operation the app does not serve", async () => {
    const served = new Set(appRoutes().map((r) => `${r.method} ${asOpenApiPath(r.path)}`));
    expect([...(await documentedOperations())].filter((op) => !served.has(op))).toEqual([]);
  });

  it("an unknown route, method or version is a 404 problem, with or without credentials", async () => {
    const tenant = await createTenant(generousQuota);
    const probes: [string, string, string | undefined][] = [
      ["GET", "/nope", undefined],
      ["GET", "/v2/tasks", tenant.apiKey],
      ["GET", "/v1/projects", tenant.apiKey],
      ["PUT", "/v1/tasks", tenant.apiKey],
      ["GET", "/admin/tenants", ADMIN_TOKEN],
      ["GET", "/admin/debug", ADMIN_TOKEN],
      ["GET", "/.env", undefined],
    ];
    for (const [method, path, token] of probes) {
      const res = await call(method, path, { token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("content-type"), `${method} ${path}`).toContain("application/problem+json");
      expect(await json(res), `${method} ${path}`).toMatchObject({ status: 404, type: "/problems/not-found" });
    }
  });

  it("the fault-injection headers are inert as shipped (FAULT_INJECTION=off): no test surface in production", async () => {
    expect(shippedVars().FAULT_INJECTION).toBe("off");
    const shipped = workerWith({ FAULT_INJECTION: shippedVars().FAULT_INJECTION });
    const tenant = await createTenant(generousQuota);
    const faults = { "x-fault-abort": "500", "x-fault-delay-ms": "not-a-number" };
    expect((await shipped("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "kept" }, headers: faults })).status).toBe(201);
    expect((await json<{ data: unknown[] }>(await shipped("GET", "/v1/tasks", { token: tenant.apiKey }))).data).toHaveLength(1);
  });
});
