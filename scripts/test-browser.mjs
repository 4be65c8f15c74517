#!/usr/bin/env node
// `npm run test:browser [-- <test files>]`: the dashboard and the /docs viewer in real headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real Worker,
// served locally the way the benchmark serves it (bundle + Miniflare + a fresh local D1), then
// stopped. Without arguments it runs every test/browser/*.test.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Taskflow } from "../bench/scenarios/taskflow.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  console.error(`${chromium} is missing: install it with \`apt-get install -y chromium\` (.ci/run does).`);
  process.exit(1);
}

const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(join(root, "test", "browser")).filter((f) => f.endsWith(".test.mjs")).map((f) => join("test", "browser", f));
// With the static assets: the /docs test needs the viewer's files.
const taskflow = new Taskflow({ servingPath: "miniflare-direct", runId: `browser-${Date.now()}`, log: (line) => console.log(line), withAssets: true });
let status = 1;
try {
  await taskflow.serve(true);
  const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BASE_URL: taskflow.origin, ADMIN_TOKEN: taskflow.adminToken, CHROMIUM: chromium },
  });
  status = result.status ?? 1;
} finally {
  await taskflow.stop();
}
process.exit(status);
