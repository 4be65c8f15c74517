// When most of a sweep's answers are refusals, its throughput and latency columns describe
// the tenant's budget (429) or the server's overload shedding (503), not what the API can
// serve. The seed's demo tenant has 100 requests a minute, so an unprepared sweep is
// almost all 429s; this says so next to the table instead of letting it pass as throughput.

/** A quota that no sweep on one machine exhausts (burst defaults to one window's worth). */
export const SWEEP_QUOTA = { rateLimit: { requests: 1_000_000, windowMs: 1000 } } as const;

/** Above this share of 429 + 503 answers the sweep is reported as a refusal measurement. */
export const REFUSED_SHARE_LIMIT = 0.5;

export interface RefusalTally {
  answers: number;
  rateLimited: number;
  overloaded: number;
}

/** 429s and 503s over every answer of the sweep (rows carry per-status counts). */
export function tallyRefusals(rows: readonly { statusCounts: Record<string, number> }[]): RefusalTally {
  const tally: RefusalTally = { answers: 0, rateLimited: 0, overloaded: 0 };
  for (const row of rows) {
    for (const [status, n] of Object.entries(row.statusCounts)) {
      tally.answers += n;
      if (status === "429") tally.rateLimited += n;
      else if (status === "503") tally.overloaded += n;
    }
  }
  return tally;
}

const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)} %`;

/** The warning to print under the sweep's table, or undefined when most answers were served. */
export function refusalWarning(tally: RefusalTally, origin: string): string | undefined {
  const refused = tally.rateLimited + tally.overloaded;
  if (tally.answers === 0 || refused / tally.answers <= REFUSED_SHARE_LIMIT) return undefined;
  const budget = tally.rateLimited >= tally.overloaded;
  const cause = budget ? "the tenant's rate-limit budget (429)" : "the server's overload shedding (503: queue full, deadline or saturation)";
  return [
    `WARNING: ${pct(refused, tally.answers)} of ${tally.answers} answers were refusals (429 ${pct(tally.rateLimited, tally.answers)}, 503 ${pct(tally.overloaded, tally.answers)}):`,
    `this sweep measured ${cause} rather than the API's throughput; its req/s and latency columns are mostly refusals.`,
    ...(budget ? [] : ["Fewer clients (--to) show where the server saturates; a larger queueSize/maxConcurrency in the tenant's quota only helps while the server has headroom."]),
    "To raise the tenant's budget for a sweep (README.md, Benchmark), e.g. for the demo tenant of `npm start`:",
    `  TENANT=$(cut -d' ' -f1 .dev-demo-key); ADMIN=$(grep ADMIN_TOKEN .dev.vars | cut -d= -f2)`,
    `  curl -s -X PUT ${origin}/admin/tenants/$TENANT/quota -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '${JSON.stringify(SWEEP_QUOTA)}'`,
  ].join("\n");
}
