import { createRoute } from "@hono/zod-openapi";
import { GOVERNOR_NAME } from "../../durable-objects/contracts/object-names";
import { problemResponses } from "../schemas/common";
import { GovernorViewSchema } from "../schemas/governor";
import { adminSecurity as security, jsonResponse } from "./openapi-helpers";
import { createRouteApp } from "./route-app";

/** GET /admin/governor (DESIGN.md section 8): answered by the ResourceGovernor; admin-token auth comes from the app's /admin/* guard. */
export const governorRoutes = createRouteApp();

governorRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/governor",
    operationId: "getGovernor",
    tags: ["monitoring"],
    summary: "The resource governor: D1 budget, contention, and each tenant's demand, forecast, weight and share",
    security,
    responses: { 200: jsonResponse(GovernorViewSchema, "The governor's current view"), ...problemResponses(401, 403) },
  }),
  async (c) => c.json(await c.env.GOVERNOR.get(c.env.GOVERNOR.idFromName(GOVERNOR_NAME)).view(), 200, { "cache-control": "no-store" }),
);
