import { sql } from "drizzle-orm";
import type { Db } from "./client";
import type { Statement } from "./commit";
import { isBatchGuardViolation } from "./constraint-errors";
import { ApiError } from "../errors";

/**
 * Aborts the batch (the CHECK of `batch_guard`, migration 0002) unless the statement just before
 * it changed exactly one row. A batch that uses it ends with `clearGuard`, so the table is empty
 * outside a transaction.
 */
export const expectOneChange = (db: Db): Statement => db.run(sql`INSERT INTO batch_guard (changed) VALUES (changes())`);
export const clearGuard = (db: Db): Statement => db.run(sql`DELETE FROM batch_guard`);

const ATTEMPTS = 3;

/**
 * Runs a read-then-guarded-write again while its guard reports that the row changed between the
 * read and the write; after a few lost races the client is told to retry (409).
 */
export async function retryWhileRaced<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBatchGuardViolation(err)) throw err;
      if (tried >= ATTEMPTS) throw new ApiError("conflict", "The resource kept changing while this request was applied; nothing was written. Retry");
    }
  }
}
