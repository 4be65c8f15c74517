import fc from "fast-check";
import { badAuthorization, hostileContentType, hostileHeaders, hostileRawBody } from "./hostile-input";
import { schemaArbitrary, type JsonSchema } from "./schema-arbitrary";

/** The parts of an OpenAPI 3.1 document the fuzzer walks. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, OpenApiParameter> };
}

interface OpenApiParameter {
  $ref?: string;
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What the fuzzer knows about the running system: who may call, and ids worth aiming at. */
export interface FuzzWorld {
  adminToken: string;
  /** API keys requests act as; the first weights are the tenants' shares of the traffic. */
  tenantKeys: { key: string; weight: number }[];
  /** Known values for a path parameter, by "<path template> <name>", mixed with generated ones. */
  pathValues: Record<string, string[]>;
  /** Known values for body properties by name (e.g. user ids for `assigneeId`). */
  bodyHints: Record<string, fc.Arbitrary<unknown>>;
}

const METHODS = ["get", "post", "put", "patch", "delete", "options"];

/** Path segments that test the router and decoding rather than the handler. */
const HOSTILE_SEGMENTS = ["..", ".", "%", "%ZZ", "%00", "a%2Fb", "%E0%A4%A", "x".repeat(5_000), "%F0%9F%98%80", ";", "?"];

/** An unpaired surrogate has no UTF-8 form, so no client can put it in a URL. */
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

function resolver(doc: OpenApiDocument) {
  const lookup = (ref: string): unknown => ref.replace(/^#\//, "").split("/").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  return {
    schema: (ref: string) => lookup(ref) as JsonSchema,
    parameter: (p: OpenApiParameter) => (p.$ref ? (lookup(p.$ref) as OpenApiParameter) : p),
  };
}

/** A wire form of a generated value: strings as they are, anything else as JSON text. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? "";
}

/** Header values as a browser can send them: printable ASCII. */
function asHeaderValue(value: unknown): string {
  return asText(value).replace(/[^\x20-\x7e]/g, "?").trim();
}

function authorization(operation: OpenApiOperation, world: FuzzWorld, tenantKey: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> {
  const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
  const bearer = (a: fc.Arbitrary<string>) => a.map((t) => `Bearer ${t}`);
  const own = schemes.includes("adminToken") ? fc.constant(`Bearer ${world.adminToken}`) : schemes.includes("apiKey") ? bearer(tenantKey) : fc.constant(undefined);
  const foreign = schemes.includes("adminToken") ? bearer(tenantKey) : fc.constant(`Bearer ${world.adminToken}`);
  return fc.oneof({ weight: 16, arbitrary: own }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: badAuthorization }, { weight: 1, arbitrary: foreign });
}

function operationArbitrary(template: string, method: string, operation: OpenApiOperation, doc: OpenApiDocument, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const resolve = resolver(doc);
  const parameters = (operation.parameters ?? []).map(resolve.parameter);
  const valueOf = (p: OpenApiParameter) => schemaArbitrary(p.schema ?? {}, { resolve: resolve.schema });
  const tenantKey = fc.oneof(...world.tenantKeys.map((t) => ({ weight: t.weight, arbitrary: fc.constant(t.key) })));

  const pathParams = parameters.filter((p) => p.in === "path");
  const pathArb = fc.tuple(
    ...pathParams.map((p) => {
      const known = world.pathValues[`${template} ${p.name}`] ?? [];
      const generated = valueOf(p).map((v) => encodeURIComponent(asText(v).replace(LONE_SURROGATE, "\ufffd")));
      return fc.oneof(
        ...(known.length ? [{ weight: 12, arbitrary: fc.constantFrom(...known) }] : []),
        { weight: 3, arbitrary: generated },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      );
    }),
  ).map((values) => pathParams.reduce((path, p, i) => path.replace(`{${p.name}}`, values[i] ?? ""), template));

  const optionalRecord = (ps: OpenApiParameter[]) =>
    fc.record(Object.fromEntries(ps.map((p) => [p.name, valueOf(p)])), { requiredKeys: ps.filter((p) => p.required).map((p) => p.name) });
  const queryArb = fc.tuple(optionalRecord(parameters.filter((p) => p.in === "query")), fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }), { freq: 8 }));
  const headerArb = fc.tuple(optionalRecord(parameters.filter((p) => p.in === "header")), fc.option(hostileHeaders, { freq: 4 }));

  const jsonSchema = operation.requestBody?.content?.["application/json"]?.schema;
  const bodyArb: fc.Arbitrary<{ text?: string; contentType?: string }> = jsonSchema
    ? fc.record({
        text: fc.oneof(
          { weight: 12, arbitrary: schemaArbitrary(jsonSchema, { resolve: resolve.schema, hints: world.bodyHints }).map((v) => JSON.stringify(v) ?? "") },
          { weight: 2, arbitrary: hostileRawBody },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        contentType: fc.oneof({ weight: 12, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: hostileContentType }, { weight: 1, arbitrary: fc.constant(undefined) }),
      })
    : fc.oneof({ weight: 12, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ text: hostileRawBody, contentType: fc.constant("application/json") }) });

  const methodArb = fc.oneof({ weight: 30, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });

  return fc.record({ path: pathArb, query: queryArb, headers: headerArb, body: bodyArb, method: methodArb, auth: authorization(operation, world, tenantKey) }).map(({ path, query, headers, body, method: verb, auth }) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...query[1], ...query[0] })) if (value !== undefined) search.append(name, asText(value));
    const requestHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...headers[1], ...headers[0] })) if (value !== undefined) requestHeaders[name.toLowerCase()] = asHeaderValue(value);
    if (auth !== undefined) requestHeaders.authorization = asHeaderValue(auth);
    const upper = verb.toUpperCase();
    const sendsBody = body.text !== undefined && upper !== "GET";
    if (sendsBody && body.contentType !== undefined) requestHeaders["content-type"] = body.contentType;
    const queryText = search.toString();
    return { operation: `${method.toUpperCase()} ${template}`, method: upper, path: queryText ? `${path}?${queryText}` : path, headers: requestHeaders, ...(sendsBody ? { body: body.text } : {}) };
  });
}

/** One generator for requests to every operation of the document, each operation equally likely. */
export function requestArbitrary(doc: OpenApiDocument, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const operations: fc.Arbitrary<FuzzRequest>[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      operations.push(operationArbitrary(template, method, operation, doc, world));
    }
  }
  return fc.oneof(...operations);
}

/** A short, printable account of a request for a failure message. */
export function describeRequest(request: FuzzRequest): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${clip(v)}`);
  return [`${request.method} ${clip(request.path)}`, ...headers, ...(request.body !== undefined ? ["", clip(request.body)] : [])].join("\n");
}
