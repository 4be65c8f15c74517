import fc from "fast-check";

/** The part of JSON Schema (as the OpenAPI document uses it) that the fuzzer understands. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
}

export interface SchemaArbitraryOptions {
  /** Resolves a `#/components/...` reference. */
  resolve: (ref: string) => JsonSchema;
  /** Values worth trying for a property of this name (e.g. ids that exist), mixed with generated ones. */
  hints?: Record<string, fc.Arbitrary<unknown>>;
  /** Relative weight of an invalid value at each node against 10 for a valid one. */
  invalidWeight?: number;
}

/** Strings that break naive code: control characters, surrogates, RTL, SQL and path syntax. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u0041",
  "😀".repeat(10),
  "' OR 1=1 --",
  '"; DROP TABLE tasks; --',
  "%",
  "*",
  "NEAR(",
  '"',
  "../../etc/passwd",
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "1e309",
  "-0",
  "NaN",
];

const JSON_PRIMITIVES = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.constantFrom(...NASTY_STRINGS));

/** Any JSON value, small. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(JSON_PRIMITIVES, fc.array(JSON_PRIMITIVES, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), JSON_PRIMITIVES, { maxKeys: 3 }));

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ["object"];
  return [];
}

/** A JSON value generator for a schema: mostly valid values, some invalid ones at every level. */
export function schemaArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const invalidWeight = options.invalidWeight ?? 1;
  const node = (s: JsonSchema, name?: string): fc.Arbitrary<unknown> => {
    const resolved = s.$ref ? options.resolve(s.$ref) : s;
    const hint = name !== undefined ? options.hints?.[name] : undefined;
    const valid = validArbitrary(resolved, node);
    return fc.oneof(
      { weight: 10, arbitrary: hint ? fc.oneof(hint, valid) : valid },
      { weight: invalidWeight, arbitrary: invalidArbitrary(resolved, node, options.resolve) },
    );
  };
  return node(schema);
}

type NodeArbitrary = (schema: JsonSchema, name?: string) => fc.Arbitrary<unknown>;

function validArbitrary(schema: JsonSchema, node: NodeArbitrary): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return fc.oneof(...variants.map((v) => node(v)));
  const types = typesOf(schema);
  if (types.length === 0) return anyJson;
  return fc.oneof(...types.map((type) => validOfType(type, schema, node)));
}

function validOfType(type: string, schema: JsonSchema, node: NodeArbitrary): fc.Arbitrary<unknown> {
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case "number":
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case "string":
      return validString(schema);
    case "array": {
      const items = schema.items ? node(schema.items) : anyJson;
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    }
    case "object":
      return validObject(schema, node);
    default:
      return anyJson;
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 1000;
  if (schema.format === "date-time") return fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === "email") return fc.emailAddress().filter((s) => s.length <= max);
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
  const short = Math.min(max, min + 40);
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: min, maxLength: short }) },
      { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: min, maxLength: short }) },
      { weight: 1, arbitrary: fc.constant("x".repeat(Math.max(min, Math.min(max, 10_000)))) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    )
    .filter((s) => s.length >= min && s.length <= max);
}

function validObject(schema: JsonSchema, node: NodeArbitrary): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) record[name] = node(property, name);
  const requiredKeys = (schema.required ?? []).filter((k) => k in properties);
  const known = fc.record(record, { requiredKeys });
  if (typeof schema.additionalProperties === "object") {
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), node(schema.additionalProperties), { maxKeys: 4 });
    return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }));
  }
  return known;
}

/** Values the schema refuses: wrong types, out of range, missing required, extra fields, huge. */
function invalidArbitrary(schema: JsonSchema, node: NodeArbitrary, resolve: (ref: string) => JsonSchema): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const wrong: fc.Arbitrary<unknown>[] = [anyJson, fc.constant(null), fc.constant([]), fc.constant({})];
  if (schema.enum) wrong.push(fc.string({ maxLength: 12 }), fc.constantFrom(...schema.enum.map((v) => (typeof v === "string" ? v.toUpperCase() + " " : v))));
  if (types.includes("string")) {
    if (schema.maxLength !== undefined) wrong.push(fc.constant("y".repeat(schema.maxLength + 1)));
    if (schema.minLength) wrong.push(fc.constant(""));
    if (schema.format) wrong.push(fc.constantFrom("2026-13-45T99:00:00Z", "yesterday", "@", "a@", "2026-12-01", "0"));
    wrong.push(fc.constant("z".repeat(200_000)), fc.integer(), fc.boolean());
  }
  if (types.includes("integer") || types.includes("number")) {
    if (schema.minimum !== undefined) wrong.push(fc.constant(schema.minimum - 1));
    if (schema.maximum !== undefined) wrong.push(fc.constant(schema.maximum + 1));
    wrong.push(fc.constantFrom(1.5, -1, 0, 2 ** 53 + 1, 1e308, -1e308, "1", "ten", true));
  }
  if (types.includes("array")) {
    const items = schema.items ? node(schema.items) : anyJson;
    if (schema.maxItems !== undefined) wrong.push(fc.array(items, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 }));
    wrong.push(fc.array(anyJson, { maxLength: 4 }), fc.constant({ 0: "not an array" }));
  }
  if (types.includes("object") && schema.properties) {
    const valid = validObject(schema, node);
    wrong.push(valid.map((o) => ({ ...(o as object), ["unexpected_" + Object.keys(o as object).length]: "extra" })));
    for (const required of schema.required ?? []) {
      wrong.push(valid.map((o) => Object.fromEntries(Object.entries(o as object).filter(([k]) => k !== required))));
    }
    // Spread defines an own "__proto__" key, so the JSON text carries it.
    wrong.push(valid.map((o) => ({ ...JSON.parse('{"__proto__":{"polluted":true}}'), ...(o as object) })), fc.constant("{}"));
  }
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    // The fields of every variant at once: a mixture no single variant accepts.
    const shapes = variants.map((v) => (v.$ref ? resolve(v.$ref) : v));
    wrong.push(validObject({ type: "object", properties: Object.assign({}, ...shapes.map((shape) => shape.properties ?? {})) }, node));
  }
  return fc.oneof(...wrong);
}
