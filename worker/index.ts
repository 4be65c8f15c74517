import { createApp } from "./app";
import { cleanUpIdempotencyKeys } from "./idempotency/cleanup";

export { AdmissionController } from "../durable-objects/admission-controller";
export { Monitor } from "../durable-objects/monitor";
export { ResourceGovernor } from "../durable-objects/resource-governor";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => ctx.waitUntil(cleanUpIdempotencyKeys(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
