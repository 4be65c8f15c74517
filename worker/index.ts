import { Hono } from "hono";
export { AdmissionController } from "../durable-objects/admission-controller";
export { Monitor } from "../durable-objects/monitor";
const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ status: "ok" }));
export default app;
