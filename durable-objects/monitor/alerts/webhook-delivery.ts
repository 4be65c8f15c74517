import { retryableStatus, type WebhookDelivery } from "./webhook-retry";

export type DeliveryOutcome = "done" | "retry" | "give_up";

export const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * One POST of an alert to the receiver. Of its answer only the status is used (OWASP API10):
 * the body is cancelled unread, and a redirect is not followed, since it could point anywhere
 * the target check never saw (a 3xx gives up, like any other status that is not retryable).
 */
export async function postWebhook(fetcher: typeof fetch, url: string, delivery: WebhookDelivery): Promise<DeliveryOutcome> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", "idempotency-key": delivery.id },
      body: JSON.stringify(delivery.payload),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch {
    return "retry";
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.ok) return "done";
  return retryableStatus(res.status) ? "retry" : "give_up";
}
