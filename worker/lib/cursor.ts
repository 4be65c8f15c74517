import { ApiError } from "../errors";

/**
 * Opaque keyset cursors: base64url JSON of the last row's sort value and id, tied to the
 * sort it was made for. A cursor is a position, not an offset, so rows inserted or deleted
 * between pages never make a page repeat or skip an existing row.
 */
export interface CursorPosition {
  sort: string;
  value: number | null;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  const json = JSON.stringify([position.sort, position.value, position.id]);
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string, expectedSort: string): CursorPosition {
  const invalid = () =>
    new ApiError("invalid_input", "The cursor is not valid for this query", {
      errors: [{ path: "query.cursor", message: "Use the nextCursor returned by the previous page, with the same sort" }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [sort, value, id] = parsed as unknown[];
  if (sort !== expectedSort || typeof id !== "string") throw invalid();
  if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) throw invalid();
  return { sort, value, id };
}
