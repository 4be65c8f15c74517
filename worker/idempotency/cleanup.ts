import { createDb } from "../db/client";
import { deleteExpiredKeys } from "../db/idempotency-repo";

/**
 * The cron trigger's work (wrangler.toml `[triggers]`): drops idempotency keys past their
 * retention. Only storage hygiene: an expired row already counts as absent on the request path.
 */
export async function cleanUpIdempotencyKeys(env: Env, scheduledTime: number): Promise<void> {
  const deleted = await deleteExpiredKeys(createDb(env.DB), scheduledTime);
  console.log(JSON.stringify({ level: "info", event: "idempotency_keys_expired", deleted }));
}
