import { createApp } from "./app";

export { AdmissionController } from "../durable-objects/admission-controller";
export { Monitor } from "../durable-objects/monitor";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
