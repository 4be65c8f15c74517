import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenant, generousQuota } from "./helpers";

/** Requests counted for one route and method across every series (tenants may be folded into "other"). */
async function scrapeCount(route: string, method: string): Promise<number> {
  const res = await call("GET", "/metrics", { token: ADMIN_TOKEN });
  expect(res.status).toBe(200);
  const family = parsePrometheusTextFormat(await res.text()).find((f) => f.name === "taskflow_http_requests_total");
  return (family?.metrics ?? []).filter((m) => m.labels?.route === route && m.labels?.method === method).reduce((sum, m) => sum + Number(m.value), 0);
}

describe("/metrics freshness", () => {
  it("shows the requests this isolate answered in the very next scrape, without waiting for the flush interval", async () => {
    const tenant = await createTenant(generousQuota);
    // The first scrape flushes what came before, so the interval (10 s here) starts again now.
    const before = await scrapeCount("/v1/users/:id", "GET");
    for (let i = 0; i < 3; i++) expect((await call("GET", "/v1/users/no-such-user", { token: tenant.apiKey })).status).toBe(404);
    expect(await scrapeCount("/v1/users/:id", "GET")).toBe(before + 3);
  });
});
