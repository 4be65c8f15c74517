/**
 * Entity tags of collection answers (task lists and stats) and RFC 9110 If-None-Match. A
 * single task keeps its own strong ETag, its version (lib/etag.ts); a collection's tag comes
 * from the tenant's data version, which every write bumps (DESIGN.md section 9). Pure: no
 * Workers API.
 */

/**
 * cyrb53 (bryc, public domain): a fast 53-bit string hash. Not a secret and not a defence
 * against forgery (a client only ever sends back tags it was given); it keeps two tenants'
 * or two queries' tags apart when their versions happen to be equal.
 */
export function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * A page of a list: the same tenant, data version and (effective) query always give the same
 * bytes, so the tag is strong. `queryKey` is the canonical query (cache/task-read-keys.ts),
 * with the page size actually served, so a page cut short under load has a tag of its own.
 */
export const listEtag = (tenantId: string, version: number, queryKey: string): string => `"l${version}-${hash53(`${tenantId}\n${queryKey}`)}"`;

/**
 * Stats: the figures are fixed by the data version and, as time passes, by the overdue count;
 * `asOf` moves with every answer, so the tag is weak (the same figures, not the same bytes).
 */
export const statsEtag = (tenantId: string, version: number, overdue: number): string => `W/"s${version}.${overdue}-${hash53(tenantId)}"`;

/** Longer If-None-Match values are not read (a client sends one or a few tags). */
const MAX_IF_NONE_MATCH = 8192;

/** An entity tag in a header: optional weakness prefix, then a quoted opaque part. */
const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;

const opaque = (tag: string): string => (tag.startsWith("W/") ? tag.slice(2) : tag);

/**
 * Whether If-None-Match names the current representation, by RFC 9110's weak comparison
 * (8.8.3.2: `W/"x"` matches `"x"`): `*`, or a list holding the tag. Absent, malformed or
 * oversized: no match, so the full answer goes out.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.length > MAX_IF_NONE_MATCH) return false;
  if (header.trim() === "*") return true;
  const wanted = opaque(etag);
  return (header.match(ENTITY_TAG) ?? []).some((candidate) => opaque(candidate) === wanted);
}
