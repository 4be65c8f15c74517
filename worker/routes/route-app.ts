import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";

const TARGET_NAMES: Record<string, string> = { json: "body", query: "query", param: "path", header: "header" };

/** A zod failure as a 400 problem listing every offending field, e.g. `body.title`. */
export function validationProblem(target: string, error: z.ZodError): ApiError {
  const where = TARGET_NAMES[target] ?? target;
  return new ApiError("invalid_input", `The request ${where} is invalid`, {
    errors: error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join("."), message: issue.message })),
  });
}

/** Every resource file builds its routes on one of these, so validation fails the same way. */
export function createRouteApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.target, result.error);
    },
  });
}
