import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ADMISSION_PARAMETERS, ADMISSION_RESPONSE_HEADERS, admissionParameterRefs } from "../schemas/admission-headers";
import { ProblemSchema, refusalResponseComponents, refusalResponseRef } from "../schemas/common";

type App = OpenAPIHono<AppEnv>;
type Document = ReturnType<App["getOpenAPI31Document"]>;
type Registry = App["openAPIRegistry"];

// Typed as the 3.1 document (hono types the parameter as 3.0, which has no license identifier).
const DOCUMENT_CONFIG: Omit<Document, "paths" | "components" | "webhooks"> = {
  openapi: "3.1.0",
  info: {
    title: "TaskFlow Edge",
    version: "0.1.0",
    description:
      "Multi-tenant task API with per-tenant admission control. Errors are RFC 9457 problem+json. " +
      "Every /v1 operation takes the request-priority and deadline headers and may be refused with 429 or 503.",
    // The repository declares no open-source licence (package.json is private).
    license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
  },
  // Relative: the document is served by the API it describes, so clients and the /docs viewer
  // resolve it against whichever origin served it (127.0.0.1:8787, workers.dev, a custom domain).
  servers: [{ url: "/", description: "The origin that served this document" }],
  tags: [
    { name: "tasks", description: "A tenant's tasks (API key)" },
    { name: "users", description: "A tenant's users (API key)" },
    { name: "admin", description: "Tenants, quotas, API keys and admission state (admin token)" },
    { name: "monitoring", description: "Metrics, performance report, alerts and dashboard data (admin token)" },
    { name: "health", description: "Liveness and readiness probes (no credentials)" },
  ],
};

/** A deep copy without `readonly`, as the registry's types want (and so it cannot alter ours). */
const mutable = <T>(value: T): DeepMutable<T> => structuredClone(value) as DeepMutable<T>;
type DeepMutable<T> = { -readonly [K in keyof T]: DeepMutable<T[K]> };

/** Components that routes refer to by `$ref`; call once on the app that serves the document. */
export function registerSharedComponents(registry: Registry): void {
  registry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "A tenant API key" });
  registry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret" });
  registry.register("Problem", ProblemSchema);
  for (const [name, parameter] of Object.entries(ADMISSION_PARAMETERS)) registry.registerComponent("parameters", name, mutable(parameter));
  for (const [name, header] of Object.entries(ADMISSION_RESPONSE_HEADERS)) registry.registerComponent("headers", name, mutable(header));
  for (const [name, response] of Object.entries(refusalResponseComponents())) registry.registerComponent("responses", name, response);
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

/**
 * The one place that gives every tenant operation (/v1) what admission control adds to it:
 * the X-Priority, Priority and X-Request-Timeout-Ms parameters, the 429 and 503 refusals, and
 * the X-Admitted-By header of an answer admitted under an isolate lease.
 * A route declares only its own parameters and responses, so a new one cannot leave these out.
 */
export function withAdmission(document: Document): Document {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith("/v1/")) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.parameters = [...(operation.parameters ?? []), ...admissionParameterRefs()];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!status.startsWith("2") || !response || "$ref" in response) continue;
        response.headers = { ...response.headers, "X-Admitted-By": { $ref: "#/components/headers/AdmittedBy" } };
      }
      operation.responses = { ...operation.responses, 429: refusalResponseRef(429), 503: refusalResponseRef(503) };
    }
  }
  return document;
}

const documents = new WeakMap<App, Document>();

/** The app's OpenAPI 3.1 document, built once per app (its routes do not change after start). */
export function openApiDocument(app: App): Document {
  let document = documents.get(app);
  if (!document) {
    document = withAdmission(app.getOpenAPI31Document(DOCUMENT_CONFIG));
    documents.set(app, document);
  }
  return document;
}
