import type { DemandReport } from "../../../durable-objects/contracts/governor";

/** A controller's report at 0 with nothing admitted: `demand` slots wanted, `db` its D1 queries and their summed ms. */
export const report = (tenant: string, demand: number, weight = 1, db: { dbQueries?: number; dbMs?: number } = {}): DemandReport => ({
  tenant,
  at: 0,
  demand,
  admittedPerSec: 0,
  dbMsPerSec: 0,
  dbQueries: db.dbQueries ?? 0,
  dbMs: db.dbMs ?? 0,
  weight,
});
