/**
 * A rough size of a cache entry in bytes: its key and its JSON form at two bytes per
 * character (V8 stores strings in one or two), plus a fixed allowance for the map slot, the
 * entry object and the value's object headers. Good enough to hold a memory budget to within
 * a small factor; it is not a heap measurement.
 */
export const ENTRY_OVERHEAD_BYTES = 128;

export function estimateEntryBytes(key: string, value: unknown): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + (JSON.stringify(value)?.length ?? 0));
}
