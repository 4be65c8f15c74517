// The /docs viewer in real headless Chromium, against a running server: it renders every
// operation of /openapi.json, under the page's strict CSP, without any request leaving
// the server's origin.
//
//   BASE_URL      server to test (default http://127.0.0.1:8787), e.g. `npm start` running
//   CHROMIUM      browser binary (default /usr/bin/chromium)
//   SCREENSHOT    where to save a screenshot (default test/browser/docs.png)
//
// Run: node --test test/browser/
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8787";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = process.env.SCREENSHOT_DOCS ?? join(root, "test", "browser", "docs.png");

test("/docs renders every operation offline, under its CSP", { timeout: 120_000 }, async () => {
  const health = await fetch(`${BASE_URL}/healthz`).catch((e) => e);
  assert.ok(health instanceof Response && health.ok, `no server at ${BASE_URL}: start one first (npm start)`);
  const document = await (await fetch(`${BASE_URL}/openapi.json`)).json();
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const origin = new URL(BASE_URL).origin;
    const elsewhere = [];
    // Every request the page makes is checked here: this origin goes on, anything else is
    // recorded and refused (a data: URL never reaches the network, so never reaches here).
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

    const res = await page.goto(`${BASE_URL}/docs`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()["content-security-policy"] ?? "", /default-src 'none'/);
    await page.waitForSelector(".opblock", { timeout: 60_000 });

    const rendered = await page.$$eval(".opblock-summary", (blocks) =>
      blocks.map((b) => ({
        operationId: b.querySelector(".opblock-summary-operation-id")?.textContent?.trim(),
        summary: b.querySelector(".opblock-summary-description")?.textContent?.trim(),
      })),
    );
    assert.equal(rendered.length, operations.length, "one block per operation in the document");
    assert.deepEqual(rendered.map((r) => r.operationId).sort(), operations.map((o) => o.operationId).sort());
    const listTasks = rendered.find((r) => r.operationId === "listTasks");
    assert.match(listTasks?.summary ?? "", /^List tasks/);

    // Opening an operation shows its parameters, including the shared admission headers.
    await page.click(".opblock-summary:has(.opblock-summary-operation-id:text-is('listTasks'))");
    await page.waitForSelector(".parameters-container .parameter__name", { timeout: 15_000 });
    const parameters = await page.$$eval(".parameter__name", (cells) => cells.map((c) => c.textContent?.replace(/\*.*$/s, "").trim()));
    for (const name of ["X-Priority", "Priority", "X-Request-Timeout-Ms", "status", "cursor"]) assert.ok(parameters.includes(name), `${name} in ${parameters}`);

    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    assert.deepEqual(elsewhere, [], "no request leaves the server's origin");
    assert.deepEqual(errors, [], "no script errors and no CSP violations");
  } finally {
    await browser.close();
  }
});
