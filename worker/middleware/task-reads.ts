import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import type { TaskReadCaches } from "../cache/task-read-caches";
import { isolateRecorder } from "../telemetry/isolate-telemetry";

/** Hands the request its task-read caches, under the cache vars of the request's config. */
export const useTaskReads = (caches: TaskReadCaches) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const config = c.get("config");
    // A no-op for the isolate's own registry, which requestContext has configured already.
    caches.registry.configureFrom(config, config.telemetry ? isolateRecorder(config) : undefined);
    c.set("taskReads", caches);
    await next();
  });
