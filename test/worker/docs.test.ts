import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("/docs", () => {
  it("is a page under a CSP that allows only this origin, loading the viewer from this origin", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:/);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) expect(source).toMatch(/^(\/|data:)/);
    expect(html).not.toMatch(/<script>|<style>/);
  });

  it("serves the viewer's files from static assets", async () => {
    const html = await (await call("GET", "/docs")).text();
    const local = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(local).toEqual(expect.arrayContaining(["/docs/init.js", "/docs/vendor/swagger-ui/swagger-ui-bundle.js", "/docs/vendor/swagger-ui/swagger-ui.css"]));
    for (const path of local) {
      const res = await call("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(path.endsWith(".css") ? /^text\/css/ : /javascript/);
      expect((await res.text()).length, path).toBeGreaterThan(100);
    }
    const missing = await call("GET", "/docs/vendor/no-such-file.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  });
});
