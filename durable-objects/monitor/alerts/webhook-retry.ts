/**
 * Delivery schedule for alert webhooks: exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), a bounded number of attempts.
 * Pure: randomness and the clock are arguments.
 */
import type { AlertTransition } from "./alert-log";

export const WEBHOOK_MAX_ATTEMPTS = 6;
const BASE_MS = 2_000;
const CAP_MS = 5 * 60_000;

export interface WebhookDelivery {
  id: string;
  payload: WebhookPayload;
  attempts: number;
  nextAttemptAt: number;
}

export interface WebhookPayload {
  source: "taskflow-edge-monitor";
  status: AlertTransition["kind"];
  alert: AlertTransition["alert"];
}

export const webhookPayload = (t: AlertTransition): WebhookPayload => ({ source: "taskflow-edge-monitor", status: t.kind, alert: t.alert });

/** When to try again after `attempts` failures, or null to give up. */
export function nextAttemptAt(attempts: number, now: number, random: () => number = Math.random): number | null {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return null;
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** (attempts - 1));
  return now + Math.max(250, Math.floor(random() * ceiling));
}

/** 408, 425, 429 and 5xx are worth retrying; other 4xx mean the receiver will never take it. */
export const retryableStatus = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500;
