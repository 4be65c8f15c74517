import fc from "fast-check";

/**
 * Input no well-behaved client sends: malformed headers and raw bodies that are not the JSON
 * the document describes. Header values stay within what the Fetch API lets a client send
 * (printable ASCII; workerd would re-encode anything else as UTF-8, which no browser sends).
 */

const asciiText = fc.string({ unit: "binary-ascii", maxLength: 64 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());

const hugeHeaderValue = fc.integer({ min: 1, max: 3 }).map((n) => "h".repeat(n * 16_384));

/** Values for any header, hostile to whatever parses it. */
export const hostileHeaderValue: fc.Arbitrary<string> = fc.oneof(
  asciiText,
  hugeHeaderValue,
  fc.constantFrom("", " ", "-1", "0", "1e309", "NaN", "Infinity", "9".repeat(40), "u=9", "u=-1", "u=3, i", "urgent", "CRITICAL", "*", 'W/"1"', '"abc"', "null", "undefined", "%00", "%FF%FE"),
);

/** Headers the API reads, each given a hostile value. */
const READ_HEADERS = ["x-priority", "priority", "x-request-timeout-ms", "if-match", "idempotency-key", "content-type", "accept", "cache-control", "content-encoding", "x-forwarded-for", "cf-connecting-ip", "origin", "traceparent"];

export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...READ_HEADERS) }, { weight: 1, arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,30}$/).filter((n) => !n.startsWith("x-fault")) }),
  hostileHeaderValue,
  { maxKeys: 4 },
);

/** Content types a JSON body might be sent with, most of them wrong. */
export const hostileContentType: fc.Arbitrary<string> = fc.constantFrom(
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/json-patch+json",
  "application/problem+json",
  "APPLICATION/JSON",
  "application/json;;;",
  "",
  "*/*",
);

/** Bodies that are not well-formed JSON objects, or are too big, deep or strange to be valid. */
export const hostileRawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", "{", "}", "[", "null", "true", "0", '"a string"', "[]", "{}", "{'single': 'quotes'}", '{"a":1,}', '{"title":"t"}{"title":"u"}', "\ufeff{\"title\":\"bom\"}", '{"title":"\\ud800"}', '{"title":"\\u0000"}', "NaN", '{"title":1e999}'),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
  fc.constant(`{"title":"${"x".repeat(1_100_000)}"}`),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
);

/** Authorization header values that are not a valid credential for anyone. */
export const badAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer tfk_", "Bearer tfk_AAAAAAAA_", `Bearer tfk_AAAAAAAA_${"A".repeat(32)}`, "Bearer null", "Bearer test-admin-tokeN"),
  asciiText.map((t) => `Bearer ${t}`),
  hugeHeaderValue.map((v) => `Bearer ${v}`),
);
