import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../worker/index";
import type { CallOptions } from "./helpers";

/**
 * The whole Worker called with an env of the test's making (other vars, a wrapped binding),
 * as `call` calls it with the shipped one.
 */
export function workerWith(overrides: Partial<Env>) {
  const testEnv: Env = { ...env, ...overrides };
  return async (method: string, path: string, options: CallOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`https://taskflow.test${path}`, { method, headers, body }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}
