import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";

export type Statement = BatchItem<"sqlite">;

/**
 * How a write's statements reach D1: as one batch, which D1 runs as one transaction. A route
 * may pass its own Commit to add statements of its own to that transaction (the stored
 * idempotent answer, worker/idempotency/), built from the write's `result`, which is known
 * before the batch runs: the write's guards make the batch fail rather than differ from it.
 */
export type Commit<T> = (statements: Statement[], result: T) => Promise<void>;

export async function runBatch(db: Db, statements: Statement[]): Promise<readonly unknown[]> {
  const [first, ...rest] = statements;
  if (!first) return [];
  return db.batch([first, ...rest]);
}

/** The Commit of a write that needs nothing else in its transaction. */
export const commitAlone =
  <T>(db: Db): Commit<T> =>
  async (statements) => {
    await runBatch(db, statements);
  };

