/** A task's ETag is its version: strong, because every change bumps it. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * The version an `If-Match` header asks for, `undefined` when absent or `*`.
 * A value that names no version can never match, so it is a stale precondition (412).
 */
export function versionFromIfMatch(header: string | undefined): number | "unmatchable" | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const match = header.trim().match(/^(?:W\/)?"(\d{1,15})"$/);
  return match ? Number(match[1]) : "unmatchable";
}
