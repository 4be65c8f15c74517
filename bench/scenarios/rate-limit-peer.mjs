// The benchmark's peer (issue 11): what a user would configure instead of admission control,
// the Workers Rate Limiting binding (`[[ratelimits]]` TENANT_RATE_LIMIT in wrangler.toml)
// keyed by tenant at the tenant's fair rate. A scenario serves it beside admission off and on,
// in the same run: `await servePeer(ctx.taskflow, fairRate)`, then its phases as usual, and
// its rows and targets under PEER_LABEL (`peerVersus` lines ours up against it).
import { taskflowWorkerOptions } from "../lib/launcher.mjs";
import { peerLimit, peerVersus as versus } from "../lib/peer-versus.ts";

/** The ADMISSION_CONTROL value that serves the peer (Taskflow.serve's first argument). */
export const PEER_MODE = "rate-limit-binding";
/** How tables and targets name it. */
export const PEER_LABEL = "rate-limit binding";
export const PEER_BINDING = "TENANT_RATE_LIMIT";

/**
 * Serve the Worker with the peer admitting instead of our controller, its limit set to
 * `fairRatePerS` (each tenant's, in req/s) times the binding's period from wrangler.toml.
 * One binding has one limit for every key: every tenant gets the same fair rate.
 * @param {import("./taskflow.mjs").Taskflow} tf
 * @param {number} fairRatePerS
 */
export async function servePeer(tf, fairRatePerS) {
  const options = await taskflowWorkerOptions(tf.workerRoot);
  const periodS = options.ratelimits?.[PEER_BINDING]?.simple?.period;
  if (!periodS) throw new Error(`wrangler.toml has no rate-limit binding ${PEER_BINDING} with a period`);
  const limit = peerLimit(fairRatePerS, periodS);
  await tf.serve(PEER_MODE, {}, { ratelimits: { [PEER_BINDING]: { limit } } });
  return { fairRatePerS, periodS, limit };
}

/**
 * Ours against the peer, target by target (bench/lib/peer-versus.ts), the peer's column named PEER_LABEL.
 * @param {string} title
 * @param {import("../lib/peer-versus.ts").VersusRow[]} rows
 * @param {string[]} columns
 * @param {string} ours
 */
export const peerVersus = (title, rows, columns, ours) => versus(title, rows, columns, ours, PEER_LABEL);
