import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { createDb, type Db } from "./client";

/** The request's Drizzle handle, created once per request. */
export function dbOf(c: Context<AppEnv>): Db {
  return createDb(c.env.DB);
}
