import type { Config } from "../config";
import type { TelemetryBatch } from "../../durable-objects/contracts/telemetry";
import { TelemetryRecorder, type SendBatch } from "./recorder";
import { MONITOR_NAME } from "../../durable-objects/contracts/object-names";

export { MONITOR_NAME };

let recorder: TelemetryRecorder | undefined;

/** This isolate's recorder, created on first use with the configured flush interval and slow-query threshold. */
export function isolateRecorder(config: Config): TelemetryRecorder {
  recorder ??= new TelemetryRecorder({ intervalMs: config.monitoringIntervalMs, slowQueryMs: config.db.slowQueryThresholdMs });
  return recorder;
}

/**
 * Sends a batch to the Monitor DO. Build it per request (a stub belongs to the request
 * that made it) and hand it to `recorder.flushIfDue(now, send, ctx.waitUntil)`.
 */
export function monitorSender(env: Pick<Env, "MONITOR">): SendBatch {
  return (batch: TelemetryBatch) => env.MONITOR.get(env.MONITOR.idFromName(MONITOR_NAME)).ingest(batch);
}
