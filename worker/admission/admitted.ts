import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { injectFaults } from "./faults";

/**
 * The admission seam: a handler runs its work through `admitted(c, work)`, which is called
 * after validation (hono-zod-openapi runs validators before the handler), so invalid input
 * is refused before any budget is spent.
 */
export async function admitted<R>(c: Context<AppEnv, string, object>, work: () => Promise<R>): Promise<R> {
  c.set("requestPriority", "normal");
  c.set("loadLevel", "normal");
  await injectFaults(c);
  return work();
}
