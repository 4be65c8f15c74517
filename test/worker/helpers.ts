import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../../worker/index";

export const ADMIN_TOKEN = "test-admin-token";

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The request a client would send: bearer token, JSON body (a string is sent as it is). */
function clientRequest(method: string, path: string, options: CallOptions): Request {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  return new Request(`https://taskflow.test${path}`, { method, headers, body });
}

/** One request through the whole Worker, as a client would send it. */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  return exports.default.fetch(clientRequest(method, path, options));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface TestTenant {
  id: string;
  apiKey: string;
  apiKeyId: string;
}

let counter = 0;

export async function createTenant(quota?: unknown): Promise<TestTenant> {
  const res = await call("POST", "/admin/tenants", { token: ADMIN_TOKEN, body: { name: `tenant-${++counter}`, ...(quota ? { quota } : {}) } });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${await res.text()}`);
  return json<TestTenant>(res);
}

/** A tenant whose budget no functional test can exhaust. */
export const generousQuota = { rateLimit: { requests: 100_000, windowMs: 60_000, burst: 100_000 } };

export async function createTask(tenant: TestTenant, body: Record<string, unknown> = {}): Promise<Record<string, unknown> & { id: string; version: number }> {
  const res = await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "A task", ...body } });
  if (res.status !== 201) throw new Error(`task creation failed: ${res.status} ${await res.text()}`);
  return json(res);
}

export async function createUser(tenant: TestTenant, email = `u${++counter}@example.com`): Promise<{ id: string; email: string }> {
  const res = await call("POST", "/v1/users", { token: tenant.apiKey, body: { email, name: "User" } });
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${await res.text()}`);
  return json(res);
}

/**
 * The whole Worker called with an env of the test's making (other vars, a wrapped binding),
 * as `call` calls it with the shipped one; waits for its waitUntil work. `handler`: another
 * app (e.g. `createApp({ taskReads })`, a second isolate's caches over the same D1).
 */
export function workerWith(overrides: Partial<Env>, handler: { fetch: typeof worker.fetch } = worker) {
  const testEnv: Env = { ...env, ...overrides };
  return async (method: string, path: string, options: CallOptions = {}): Promise<Response> => {
    const ctx = createExecutionContext();
    const res = await handler.fetch(clientRequest(method, path, options), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}
