import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DOCS_CONTENT_SECURITY_POLICY } from "../../worker/routes/docs";
import { ADMIN_TOKEN, call, createTask, createTenant, generousQuota, workerWith, type CallOptions } from "./helpers";

/** OWASP API8 (security misconfiguration): what every answer tells a browser, and CORS. */

interface Probe {
  name: string;
  method: string;
  path: string;
  options?: CallOptions;
  status: number;
  authenticated: boolean;
}

async function probes(): Promise<Probe[]> {
  const tenant = await createTenant(generousQuota);
  const task = await createTask(tenant);
  const key = tenant.apiKey;
  return [
    { name: "liveness", method: "GET", path: "/healthz", status: 200, authenticated: false },
    { name: "OpenAPI document", method: "GET", path: "/openapi.json", status: 200, authenticated: false },
    { name: "docs page", method: "GET", path: "/docs", status: 200, authenticated: false },
    { name: "dashboard page", method: "GET", path: "/dashboard", status: 200, authenticated: false },
    { name: "unknown route", method: "GET", path: "/nope", status: 404, authenticated: false },
    { name: "tenant list", method: "GET", path: "/v1/tasks", options: { token: key }, status: 200, authenticated: true },
    { name: "tenant read", method: "GET", path: `/v1/tasks/${task.id}`, options: { token: key }, status: 200, authenticated: true },
    { name: "tenant create", method: "POST", path: "/v1/tasks", options: { token: key, body: { title: "t" } }, status: 201, authenticated: true },
    { name: "tenant 400", method: "POST", path: "/v1/tasks", options: { token: key, body: { title: "" } }, status: 400, authenticated: true },
    { name: "tenant 404", method: "GET", path: `/v1/tasks/${crypto.randomUUID()}`, options: { token: key }, status: 404, authenticated: true },
    { name: "tenant 415", method: "POST", path: "/v1/tasks", options: { token: key, body: "title=t", headers: { "content-type": "text/plain" } }, status: 415, authenticated: true },
    { name: "tenant 413", method: "POST", path: "/v1/tasks", options: { token: key, body: "x", headers: { "content-length": String(2 * 1024 * 1024) } }, status: 413, authenticated: true },
    { name: "tenant 401", method: "GET", path: "/v1/tasks", status: 401, authenticated: true },
    { name: "admin read", method: "GET", path: `/admin/tenants/${tenant.id}`, options: { token: ADMIN_TOKEN }, status: 200, authenticated: true },
    { name: "admin create (shows a key once)", method: "POST", path: "/admin/tenants", options: { token: ADMIN_TOKEN, body: { name: "x" } }, status: 201, authenticated: true },
    { name: "admin report", method: "GET", path: "/admin/alerts", options: { token: ADMIN_TOKEN }, status: 200, authenticated: true },
    { name: "admin 401", method: "GET", path: `/admin/tenants/${tenant.id}`, status: 401, authenticated: true },
    { name: "metrics", method: "GET", path: "/metrics", options: { token: ADMIN_TOKEN }, status: 200, authenticated: true },
    { name: "metrics 401", method: "GET", path: "/metrics", status: 401, authenticated: true },
  ];
}

describe("security headers", () => {
  it("every answer, errors included, carries X-Content-Type-Options: nosniff and refuses framing", async () => {
    for (const probe of await probes()) {
      const res = await call(probe.method, probe.path, probe.options);
      expect(res.status, probe.name).toBe(probe.status);
      expect(res.headers.get("x-content-type-options"), probe.name).toBe("nosniff");
      expect(res.headers.get("x-frame-options") ?? res.headers.get("content-security-policy"), probe.name).toBeTruthy();
      expect(res.headers.get("referrer-policy"), probe.name).toBe("no-referrer");
    }
  });

  it("tenant and operator answers, errors included, are Cache-Control: no-store", async () => {
    for (const probe of (await probes()).filter((p) => p.authenticated)) {
      const res = await call(probe.method, probe.path, probe.options);
      expect(res.headers.get("cache-control"), `${probe.name} (${res.status})`).toBe("no-store");
    }
  });

  it("every HTML page has a Content-Security-Policy that forbids framing and foreign scripts", async () => {
    for (const probe of await probes()) {
      const res = await call(probe.method, probe.path, probe.options);
      if (!res.headers.get("content-type")?.startsWith("text/html")) continue;
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, probe.name).toContain("default-src 'none'");
      expect(csp, probe.name).toContain("frame-ancestors 'none'");
      expect(csp, probe.name).not.toMatch(/script-src[^;]*('unsafe-inline'|\*)/);
    }
    expect((await call("GET", "/docs")).headers.get("content-security-policy")).toBe(DOCS_CONTENT_SECURITY_POLICY);
    // The viewer scripts the page loads are this origin's own (the policy allows nothing else).
    const page = await (await call("GET", "/docs")).text();
    const scripts = [...page.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src.startsWith("/docs/")).toBe(true);
  });

  it("an unexpected failure is an opaque 500 problem: no message, stack or SQL of the cause", async () => {
    const cause = "D1_ERROR: no such table: secret_table_name: SQLITE_ERROR";
    const brokenDb = new Proxy(env.DB, {
      get: (target, prop) => {
        if (prop === "prepare" || prop === "batch") {
          return () => {
            throw new Error(cause);
          };
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const tenant = await createTenant(generousQuota);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const res = await workerWith({ DB: brokenDb })("GET", "/v1/tasks", { token: tenant.apiKey });
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const text = await res.text();
      expect(text).not.toMatch(/secret_table_name|SQLITE|D1_ERROR|at \w+ \(|\.ts:\d+/);
      expect(JSON.parse(text)).toMatchObject({ status: 500, type: "/problems/internal" });
      // The cause is logged for the operator instead.
      expect(logged.mock.calls.some((args) => String(args[0]).includes("secret_table_name"))).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });
});

describe("CORS", () => {
  const app = "https://app.example.com";
  const stranger = "https://evil.example";
  const preflight = (origin: string, method = "POST") => ({
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type, x-priority" },
  });

  it("is off by default: no CORS header for any origin, no answered preflight", async () => {
    const tenant = await createTenant(generousQuota);
    const res = await call("GET", "/v1/tasks", { token: tenant.apiKey, headers: { origin: app } });
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
    const pre = await call("OPTIONS", "/v1/tasks", preflight(app));
    expect(pre.status).toBeGreaterThanOrEqual(400);
    expect([...pre.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
  });

  it("a configured origin gets Access-Control-Allow-Origin and an answered preflight; an unlisted one gets neither", async () => {
    const worker = workerWith({ CORS_ALLOWED_ORIGINS: `${app}, http://localhost:5173` });
    const tenant = await createTenant(generousQuota);

    const allowed = await worker("GET", "/v1/tasks", { token: tenant.apiKey, headers: { origin: app } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(app);
    expect(allowed.headers.get("access-control-expose-headers")).toContain("RateLimit");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(allowed.headers.get("vary")).toContain("Origin");
    const local = await worker("GET", "/healthz", { headers: { origin: "http://localhost:5173" } });
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");

    // The preflight carries no key: it is answered before authentication.
    const pre = await worker("OPTIONS", "/v1/tasks", preflight(app));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(app);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(pre.headers.get("access-control-max-age")).toBe("600");

    const refused = await worker("GET", "/v1/tasks", { token: tenant.apiKey, headers: { origin: stranger } });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(refused.headers.get("vary")).toContain("Origin");
    const refusedPre = await worker("OPTIONS", "/v1/tasks", preflight(stranger));
    expect(refusedPre.status).toBeGreaterThanOrEqual(400);
    expect([...refusedPre.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
    // An origin is matched exactly, not by prefix or suffix.
    for (const lookalike of [`${app}.evil.example`, "https://evil-app.example.com", "http://app.example.com", "null"]) {
      const res = await worker("OPTIONS", "/v1/tasks", preflight(lookalike));
      expect(res.headers.get("access-control-allow-origin"), lookalike).toBeNull();
    }
  });
});
