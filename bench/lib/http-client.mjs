// Keep-alive HTTP/1.1 clients for the load generators, behind one tiny interface so the
// generators do not care which is used and bench/tools/client-cpu.mjs can compare them.
// The client shares the machine's 2 cores with workerd, so its CPU per request matters:
// every cycle it burns is a cycle the server under test does not get.
//
// No Accept-Encoding is sent: miniflare's entry worker would otherwise gzip every response,
// and we are measuring the API, not compression.
import http from "node:http";
import { Pool } from "undici";

/**
 * @typedef {{method: string, path: string, headers?: Record<string,string>, body?: string,
 *   readBody?: boolean, timeoutMs?: number}} OutgoingRequest (error answers, 4xx and 5xx, always come with their body)
 * @typedef {{status: number, body?: string, headers: Record<string, string | string[] | undefined>}} IncomingResult
 *   status 0 = transport error or timeout (the error is in `error`)
 * @typedef {{kind: string, send(req: OutgoingRequest): Promise<IncomingResult & {error?: string}>, close(): Promise<void>}} HttpClient
 */

export const CLIENT_KINDS = /** @type {const} */ (["undici-pool", "node-http", "fetch"]);

/**
 * @param {{kind?: typeof CLIENT_KINDS[number], origin: string, connections: number}} options
 * @returns {HttpClient}
 */
export function createClient({ kind = "undici-pool", origin, connections }) {
  assertLoopback(origin);
  if (kind === "undici-pool") return undiciPoolClient(origin, connections);
  if (kind === "node-http") return nodeHttpClient(origin, connections);
  if (kind === "fetch") return fetchClient(origin);
  throw new Error(`unknown client kind ${kind}`);
}

/** The benchmark only ever talks to this machine: refuse anything else outright. */
export function assertLoopback(origin) {
  const { hostname } = new URL(origin);
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(hostname)) {
    throw new Error(`refusing to send load to ${hostname}: loopback only (127.0.0.1, localhost, ::1)`);
  }
}

const failed = (err) => ({ status: 0, headers: {}, error: err?.code ?? err?.name ?? String(err) });

function undiciPoolClient(origin, connections) {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  return {
    kind: "undici-pool",
    async send({ method, path, headers, body, readBody, timeoutMs = 30_000 }) {
      try {
        const res = await pool.request({ method, path, headers, body, signal: AbortSignal.timeout(timeoutMs) });
        // The body must always be consumed or the connection cannot be reused. Error bodies
        // (small problem+json) are always read: they say why a request was refused.
        const text = readBody || res.statusCode >= 400 ? await res.body.text() : (await res.body.dump(), undefined);
        return { status: res.statusCode, headers: res.headers, body: text };
      } catch (err) {
        return failed(err);
      }
    },
    close: () => pool.destroy(),
  };
}

function nodeHttpClient(origin, connections) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: "lifo" });
  return {
    kind: "node-http",
    send({ method, path, headers, body, readBody, timeoutMs = 30_000 }) {
      return new Promise((resolve) => {
        const req = http.request({ agent, host: url.hostname, port: url.port, method, path, headers: body ? { ...headers, "content-length": Buffer.byteLength(body) } : headers }, (res) => {
          if (!readBody && (res.statusCode ?? 0) < 400) {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
          } else {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          }
          res.on("error", (err) => resolve(failed(err)));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
        req.on("error", (err) => resolve(failed(err)));
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

function fetchClient(origin) {
  return {
    kind: "fetch",
    async send({ method, path, headers, body, readBody, timeoutMs = 30_000 }) {
      try {
        const res = await fetch(origin + path, { method, headers: { "accept-encoding": "identity", ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
        const text = readBody || res.status >= 400 ? await res.text() : (await res.arrayBuffer(), undefined);
        return { status: res.status, headers: Object.fromEntries(res.headers), body: text };
      } catch (err) {
        return failed(err);
      }
    },
    async close() {},
  };
}
