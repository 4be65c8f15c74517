// Pure: the peer's limit for a fair rate, and ours against the peer target by target, kept
// apart from the serving code so the comparison that says "beats the peer" is unit-tested.

/** The rate-limit binding's limit for a fair rate: requests per period, at least 1. */
export function peerLimit(fairRatePerS: number, periodS: number): number {
  return Math.max(1, Math.round(fairRatePerS * periodS));
}

export interface VersusRow {
  description: string;
  /** The target's direction: ">=" higher is better, "<=" lower is better. */
  op: ">=" | "<=" | "==";
  /** Each column's figure for this target, keyed by column label. */
  values: Record<string, number | undefined>;
}

/** Whether `ours` does better than `peer` on a target of direction `op`. */
export function beats(op: VersusRow["op"], ours: number | undefined, peer: number | undefined): "yes" | "no" | "tie" | "n/a" {
  if (ours === undefined || peer === undefined || !Number.isFinite(ours) || !Number.isFinite(peer)) return "n/a";
  if (ours === peer) return "tie";
  if (op === "==") return "n/a";
  return (op === "<=" ? ours < peer : ours > peer) ? "yes" : "no";
}

/** A report table: each target's figure for every column, and whether `ours` beats `peer`. */
export function peerVersus(title: string, rows: VersusRow[], columns: string[], ours: string, peer: string) {
  return {
    title,
    headers: ["target", ...columns, `${ours} beats the peer`],
    rows: rows.map(({ description, op, values }) => [description, ...columns.map((c) => values[c] ?? Number.NaN), beats(op, values[ours], values[peer])]),
  };
}
