#!/usr/bin/env node
// `npm run test:browser`: the dashboard in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) against the real Worker, served locally the way the benchmark
// serves it (bundle + Miniflare + a fresh local D1), then stopped.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Taskflow } from "../bench/scenarios/taskflow.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  console.error(`${chromium} is missing: install it with \`apt-get install -y chromium\` (.ci/run does).`);
  process.exit(1);
}

const taskflow = new Taskflow({ servingPath: "miniflare-direct", runId: `browser-${Date.now()}`, log: (line) => console.log(line) });
let status = 1;
try {
  await taskflow.serve(true);
  const result = spawnSync(process.execPath, ["--test", "test/browser/dashboard.test.mjs"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BASE_URL: taskflow.origin, ADMIN_TOKEN: taskflow.adminToken, CHROMIUM: chromium },
  });
  status = result.status ?? 1;
} finally {
  await taskflow.stop();
}
process.exit(status);
