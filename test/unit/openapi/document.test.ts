import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../worker/app";
import { openApiDocument } from "../../../worker/routes/openapi-document";

// The document as the Worker serves it, built in Node from the same app. The committed copies
// in openapi/ (the document, which `npm run lint:openapi` lints, and the TypeScript types the
// typed-client test uses) must equal it: `npm run openapi` rewrites them after an API change.
const document = openApiDocument(createApp());

type Operation = { operationId?: string; parameters?: Array<{ $ref?: string; name?: string }>; responses: Record<string, { $ref?: string }> };
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, operation })),
);

/** Follows a local `$ref` (`#/components/...`) to what it names. */
function resolve<T>(value: T | { $ref: string }): T {
  if (!value || typeof value !== "object" || !("$ref" in value)) return value as T;
  const target = value.$ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
  if (target === undefined) throw new Error(`unresolved ${value.$ref}`);
  return resolve(target as T);
}

describe("the OpenAPI document", () => {
  it("names every operation with a unique camelCase operationId", () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    for (const [i, id] of ids.entries()) expect(id, operations[i]?.route).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.find((o) => o.route === "GET /v1/tasks")?.operation.operationId).toBe("listTasks");
    expect(operations.find((o) => o.route === "PUT /admin/tenants/{id}/quota")?.operation.operationId).toBe("replaceTenantQuota");
  });

  it("declares the admission headers on every /v1 operation, and the refusal headers on its 429 and 503", () => {
    const tenantOperations = operations.filter((o) => o.path.startsWith("/v1/"));
    expect(tenantOperations.length).toBeGreaterThanOrEqual(12);
    for (const { route, operation } of tenantOperations) {
      const headers = (operation.parameters ?? []).map((p) => resolve(p)).filter((p) => (p as { in?: string }).in === "header").map((p) => p.name);
      expect(headers, route).toEqual(expect.arrayContaining(["X-Priority", "Priority", "X-Request-Timeout-Ms"]));
      for (const status of ["429", "503"]) {
        const response = resolve(operation.responses[status] as { headers?: Record<string, unknown> } | undefined);
        expect(Object.keys(response?.headers ?? {}).sort(), `${route} ${status}`).toEqual(["RateLimit", "RateLimit-Policy", "Retry-After"]);
      }
    }
    const priority = resolve<{ schema: { enum: string[] } }>({ $ref: "#/components/parameters/XPriority" });
    expect(priority.schema.enum).toEqual(["critical", "high", "normal", "low"]);
  });

  it("covers monitoring and health, and leaves the document and its viewer out", () => {
    const routes = operations.map((o) => o.route);
    expect(routes).toEqual(
      expect.arrayContaining(["GET /metrics", "GET /admin/performance", "GET /admin/alerts", "GET /admin/dashboard-data", "GET /healthz", "GET /readyz"]),
    );
    expect(routes.filter((r) => /\/(docs|openapi\.json|dashboard)$/.test(r))).toEqual([]);
    const metrics = operations.find((o) => o.route === "GET /metrics")?.operation as { responses: Record<string, { content?: object }> };
    expect(Object.keys(metrics.responses["200"]?.content ?? {})).toEqual(["text/plain"]);
  });

  it("has servers and a licence", () => {
    expect(document.servers?.length).toBeGreaterThan(0);
    expect(document.info.license?.name).toBeTruthy();
  });

  it("is committed as openapi/openapi.json, with its TypeScript types (npm run openapi rewrites both)", async () => {
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot("../../../openapi/openapi.json");
    const header = "// Generated from openapi/openapi.json by openapi-typescript (`npm run openapi`); do not edit.\n\n";
    const types = header + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
    await expect(types).toMatchFileSnapshot("../../../openapi/schema.d.ts");
  });
});
