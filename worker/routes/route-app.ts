import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import type { z } from "zod";
import { runAdmitted } from "../admission/admission-run";
import { declareAdmission, publishedAdmission, type RouteAdmission } from "../admission/route-admission";
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

type Handler = (c: Context<AppEnv>, next: Next) => Response | Promise<Response>;

/**
 * Every resource file builds its routes on one of these, so validation fails the same way and
 * a route's `admission` declaration is honoured: hono-zod-openapi runs a route's validators,
 * then its handler; the handler registered here first runs the admission the /v1 step prepared
 * (admission/admission-step.ts), so nothing reaches the controller before its input is valid.
 * The declaration itself leaves the route config; the document shows it as `x-admission`.
 */
export function createRouteApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.target, result.error);
    },
  });
  const register = app.openapi;
  const openapi = (route: RouteConfig & { admission?: RouteAdmission }, handler: Handler, hook?: unknown) => {
    const { admission, ...declared } = route;
    if (!admission) return register(route, handler, hook as undefined);
    const gated: Handler = (c, next) => {
      if (!admission.admitted) return handler(c, next);
      const ticket = c.get("admission");
      // Declared admitted but not prepared: mounted outside the /v1 step. Fail closed.
      if (!ticket) throw new ApiError("misconfigured", "This route is admitted but the admission step did not run");
      return runAdmitted(c, ticket, async () => handler(c, next));
    };
    declareAdmission(gated, admission);
    return register({ ...declared, "x-admission": publishedAdmission(admission) }, gated, hook as undefined);
  };
  app.openapi = openapi as unknown as typeof app.openapi;
  return app;
}
