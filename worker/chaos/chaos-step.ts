import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { shardControllerName } from "../../durable-objects/contracts/object-names";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { NO_FAULTS, parseChaosFaults, type ChaosFaults, type ShardFault } from "./chaos-faults";

/**
 * Reads a tenant request's chaos fault headers (DESIGN.md section 10) before admission, so an
 * invalid one is a 400 that spends no budget. With FAULT_INJECTION off the headers are not
 * even read: the request runs as if they were absent.
 */
export const chaosStep = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("config").faultInjection) {
    const parsed = parseChaosFaults((name) => c.req.header(name));
    if (!parsed.ok) throw new ApiError("invalid_input", "A chaos fault header is invalid", { errors: parsed.errors });
    c.set("faults", parsed.faults);
    // How many acquires the shard has refused while down so far: what a benchmark counts failovers by.
    if (parsed.faults.shard) c.header("x-fault-shard-refused", String(await setShardFault(c, parsed.faults.shard)));
  }
  await next();
});

/** The request's faults; none outside /v1, or with fault injection off. */
export function faultsOf(c: Context<AppEnv, string, object>): ChaosFaults {
  return (c.get("faults") as ChaosFaults | undefined) ?? NO_FAULTS;
}

/**
 * X-Fault-Shard: takes shard i of the request's own tenant down or back up before its acquire.
 * A direct stub, not the Worker's controller path: the switch is no controller call to count
 * or delay, and whether the tenant has i + 1 shards does not matter (a shard not in the map
 * is never asked).
 */
async function setShardFault(c: Context<AppEnv>, fault: ShardFault): Promise<number> {
  const name = shardControllerName(c.get("tenant").id, fault.index);
  const { refused } = await c.env.ADMISSION.get(c.env.ADMISSION.idFromName(name)).injectFault({ down: fault.down });
  return refused;
}
