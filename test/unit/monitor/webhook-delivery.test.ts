import { describe, expect, it } from "vitest";
import { postWebhook } from "../../../durable-objects/monitor/alerts/webhook-delivery";
import type { AlertRecord } from "../../../durable-objects/monitor/alerts/alert-log";
import { webhookPayload, type WebhookDelivery } from "../../../durable-objects/monitor/alerts/webhook-retry";

const alert: AlertRecord = { id: "p99@0", key: "p99", rule: "p99", severity: "page", summary: "p99 high", details: {}, startedAt: 0, endedAt: null, updatedAt: 0 };
const delivery: WebhookDelivery = { id: "p99@0:firing", payload: webhookPayload({ kind: "firing", alert }), attempts: 0, nextAttemptAt: 0 };

/** A receiver's answer whose body records whether anyone read it or let it go. */
function answer(status: number, headers: Record<string, string> = {}) {
  const seen = { pulled: false, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled = true;
      controller.enqueue(new TextEncoder().encode('{"redirect_to":"http://169.254.169.254/"}'));
      controller.close();
    },
    cancel() {
      seen.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { response: new Response(body, { status, headers }), seen };
}

/** OWASP API7 and API10: the webhook receiver's answer is trusted for its status, nothing else. */
describe("alert webhook delivery", () => {
  it("never follows a redirect and gives up on one", async () => {
    const sent: RequestInit[] = [];
    const { response } = answer(302, { location: "https://169.254.169.254/latest/meta-data/" });
    const fetcher = (async (_url: string, init: RequestInit) => {
      sent.push(init);
      return response;
    }) as typeof fetch;
    expect(await postWebhook(fetcher, "https://hooks.example.com/x", delivery)).toBe("give_up");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.redirect).toBe("manual");
    expect(sent[0]?.method).toBe("POST");
  });

  it.each([
    [200, "done"],
    [202, "done"],
    [400, "give_up"],
    [429, "retry"],
    [503, "retry"],
  ] as const)("reads only the status (%i → %s): the body is cancelled unread", async (status, outcome) => {
    const { response, seen } = answer(status);
    expect(await postWebhook((async () => response) as typeof fetch, "https://hooks.example.com/x", delivery)).toBe(outcome);
    expect(seen).toEqual({ pulled: false, cancelled: true });
  });

  it("a network failure is retried", async () => {
    const failing = (async () => {
      throw new TypeError("connection refused");
    }) as typeof fetch;
    expect(await postWebhook(failing, "https://hooks.example.com/x", delivery)).toBe("retry");
  });

  it("posts the payload as JSON, keyed for idempotency and bounded in time", async () => {
    const sent: RequestInit[] = [];
    const fetcher = (async (_url: string, init: RequestInit) => {
      sent.push(init);
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    expect(await postWebhook(fetcher, "https://hooks.example.com/x", delivery)).toBe("done");
    expect(sent[0]?.headers).toEqual({ "content-type": "application/json", "idempotency-key": "p99@0:firing" });
    expect(JSON.parse(String(sent[0]?.body))).toEqual(delivery.payload);
    expect(sent[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(sent[0]?.signal?.aborted).toBe(false);
  });

  it("still reads the status when letting the body go fails", async () => {
    const body = new ReadableStream<Uint8Array>({ pull: () => undefined }, { highWaterMark: 0 });
    const response = new Response(body, { status: 503 });
    Object.defineProperty(response, "body", { value: { cancel: () => Promise.reject(new Error("stream already closed")) } });
    expect(await postWebhook((async () => response) as typeof fetch, "https://hooks.example.com/x", delivery)).toBe("retry");
  });
});
