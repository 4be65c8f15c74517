import { createApp } from "./app";
import { createDoor } from "./door";
import { cleanUpIdempotencyKeys } from "./idempotency/cleanup";

export { AdmissionController } from "../durable-objects/admission-controller";
export { Monitor } from "../durable-objects/monitor";
export { ResourceGovernor } from "../durable-objects/resource-governor";

const app = createApp();
const atDoor = createDoor(app);

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => atDoor(request, env, ctx) ?? app.fetch(request, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(cleanUpIdempotencyKeys(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
