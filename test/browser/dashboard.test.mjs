// The dashboard in real headless Chromium, against a running server under traffic.
//
//   BASE_URL      server to test (default http://127.0.0.1:8787), e.g. `npm start` running
//   ADMIN_TOKEN   admin token (default: ADMIN_TOKEN from .dev.vars)
//   API_KEY       a tenant API key for the traffic (default: a tenant created through /admin/tenants)
//   CHROMIUM      browser binary (default /usr/bin/chromium)
//   SCREENSHOT    where to save a screenshot (default test/browser/dashboard.png)
//
// Run: node --test test/browser/
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:8787";
const fromFile = (file, pattern) => {
  const path = join(root, file);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  return pattern ? text.match(pattern)?.[1] : text.trim();
};
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? fromFile(".dev.vars", /^ADMIN_TOKEN=(\S+)/m);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = process.env.SCREENSHOT ?? join(root, "test", "browser", "dashboard.png");

/** A tenant of its own with a budget the traffic cannot exhaust. */
async function apiKey() {
  if (process.env.API_KEY) return process.env.API_KEY;
  const res = await fetch(`${BASE_URL}/admin/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `dashboard-browser-${Date.now()}`, quota: { rateLimit: { requests: 100000, windowMs: 60000, burst: 100000 } } }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, `creating the test tenant: ${res.status} ${body}`);
  return JSON.parse(body).apiKey;
}

/** Steady traffic until stopped: list and create tasks, with some low-priority requests. */
function startTraffic(API_KEY) {
  let running = true;
  const one = async (i) => {
    const headers = { authorization: `Bearer ${API_KEY}`, "x-priority": i % 4 === 0 ? "low" : "normal" };
    if (i % 5 === 0) {
      await fetch(`${BASE_URL}/v1/tasks`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ title: `dashboard test ${i}` }) });
    } else {
      await fetch(`${BASE_URL}/v1/tasks?limit=5`, { headers });
    }
  };
  const worker = async (w) => {
    for (let i = w; running; i += 4) await one(i).catch(() => {});
  };
  const done = Promise.all([0, 1, 2, 3].map(worker));
  return async () => {
    running = false;
    await done;
  };
}

test("the dashboard loads, takes the admin token and draws live charts", { timeout: 120_000 }, async () => {
  assert.ok(ADMIN_TOKEN, "ADMIN_TOKEN (or .dev.vars) is required");
  const health = await fetch(`${BASE_URL}/healthz`).catch((e) => e);
  assert.ok(health instanceof Response && health.ok, `no server at ${BASE_URL}: start one first (npm start)`);

  const stopTraffic = startTraffic(await apiKey());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // The wrong-token step below makes Chromium log the 401 itself; anything else is a failure.
    page.on("console", (m) => m.type() === "error" && !/Failed to load resource.*\b401\b/.test(m.text()) && errors.push(m.text()));

    const res = await page.goto(`${BASE_URL}/dashboard`);
    assert.equal(res?.status(), 200);
    assert.match(await page.title(), /TaskFlow Edge/);

    // A wrong token is refused and said so.
    await page.fill("#token", "not-the-token");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => document.getElementById("status")?.textContent?.includes("refused"), null, { timeout: 15_000 });

    await page.fill("#token", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    // Isolates flush every PERFORMANCE_MONITORING_INTERVAL (10 s by default) and the page polls every 5 s.
    await page.waitForSelector('#chart-latency[data-has-data="true"]', { timeout: 60_000 });
    await page.waitForSelector('#chart-rps[data-has-data="true"]', { timeout: 30_000 });

    const points = await page.$$eval("svg[data-chart]", (svgs) => Object.fromEntries(svgs.map((s) => [s.id || s.getAttribute("data-tenant"), Number(s.getAttribute("data-points") ?? 0)])));
    assert.ok(points["chart-latency"] >= 3, `latency chart has p50/p95/p99 points: ${JSON.stringify(points)}`);
    assert.ok(points["chart-rps"] >= 1);
    const paths = await page.$$eval("#chart-latency path[data-series]", (ps) => ps.map((p) => p.getAttribute("data-series")));
    assert.deepEqual([...new Set(paths)].sort(), ["p50", "p95", "p99"]);
    // The charts draw before the governor panel's own request returns; "Live" follows it.
    await page.waitForFunction(() => /Live/.test(document.getElementById("status")?.textContent ?? ""), null, { timeout: 15_000 });
    for (const id of ["chart-errors", "chart-shed"]) assert.ok(await page.$(`#${id}`), `${id} is drawn`);
    // The figures are true: the page shows what the API reports.
    const data = await (await fetch(`${BASE_URL}/admin/dashboard-data?minutes=30`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    assert.ok(data.minutes.some((m) => m.requests > 0), "the Monitor saw the traffic");

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(errors, [], "no script errors and no CSP violations");
  } finally {
    await browser.close();
    await stopTraffic();
  }
});
