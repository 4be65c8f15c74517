#!/usr/bin/env node
// `npm start [-- <wrangler dev args>]`: a working local API from a fresh clone, offline.
// 1. .dev.vars with a random ADMIN_TOKEN (kept if present)
// 2. D1 migrations applied to the local database (.wrangler/state)
// 3. a demo tenant and its API key (the key is kept in .dev-demo-key, both files gitignored)
// 4. the /docs viewer's files in public/docs/vendor (postinstall does it too; cheap to redo)
// 5. `wrangler dev` on 127.0.0.1:8787, extra arguments passed through
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyDocsViewer } from "./copy-docs-viewer.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const passThrough = process.argv.slice(2);

function wrangler(args, { capture = false } = {}) {
  // CI=true keeps wrangler from asking for confirmation; the migrations are ours.
  const result = spawnSync(process.execPath, [wranglerBin, ...args], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (result.status !== 0) {
    if (capture) process.stderr.write(result.stdout + result.stderr);
    throw new Error(`wrangler ${args.join(" ")} failed (exit ${result.status})`);
  }
  return result.stdout;
}

function sql(command) {
  const out = wrangler(["d1", "execute", "DB", "--local", "--json", "--command", command], { capture: true });
  const parsed = JSON.parse(out.slice(out.indexOf("[")));
  return parsed[0]?.results ?? [];
}

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;
const base62 = (n) => {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let out = "";
  while (out.length < n) for (const b of randomBytes(n * 2)) if (b < 248 && out.length < n) out += alphabet[b % 62];
  return out;
};

function ensureDevVars() {
  const path = join(root, ".dev.vars");
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (/^ADMIN_TOKEN=\S+/m.test(current)) return current.match(/^ADMIN_TOKEN=(\S+)/m)[1];
  const token = base62(40);
  writeFileSync(path, `${current}${current && !current.endsWith("\n") ? "\n" : ""}ADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  console.log("created .dev.vars with a random ADMIN_TOKEN");
  return token;
}

/** Same key format and hashing as worker/lib/api-keys.ts. */
function insertKey(tenantId) {
  const prefix = `tfk_${base62(8)}`;
  const key = `${prefix}_${base62(32)}`;
  const hash = createHash("sha256").update(key).digest("hex");
  sql(`INSERT INTO api_keys (id, tenant_id, prefix, hash, created_at) VALUES (${quote(randomUUID())}, ${quote(tenantId)}, ${quote(prefix)}, ${quote(hash)}, ${Date.now()})`);
  writeFileSync(join(root, ".dev-demo-key"), `${tenantId} ${key}\n`, { mode: 0o600 });
  return key;
}

function ensureDemoTenant() {
  const keyFile = join(root, ".dev-demo-key");
  const [tenant] = sql("SELECT id FROM tenants WHERE name = 'demo' ORDER BY created_at LIMIT 1");
  if (tenant && existsSync(keyFile)) {
    const [savedTenant, savedKey] = readFileSync(keyFile, "utf8").trim().split(" ");
    if (savedTenant === tenant.id) return { tenantId: tenant.id, key: savedKey };
  }
  if (tenant) return { tenantId: tenant.id, key: insertKey(tenant.id) };
  const tenantId = randomUUID();
  sql(`INSERT INTO tenants (id, name, quota, created_at) VALUES (${quote(tenantId)}, 'demo', NULL, ${Date.now()})`);
  console.log("created the demo tenant");
  return { tenantId, key: insertKey(tenantId) };
}

const hasFlag = (name) => passThrough.some((a) => a === name || a.startsWith(`${name}=`));
const flagValue = (name, fallback) => {
  const i = passThrough.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return fallback;
  return passThrough[i].includes("=") ? passThrough[i].split("=")[1] : passThrough[i + 1];
};

const adminToken = ensureDevVars();
console.log("applying D1 migrations to the local database…");
wrangler(["d1", "migrations", "apply", "DB", "--local"], { capture: true });
const demo = ensureDemoTenant();
copyDocsViewer(root);
const ip = flagValue("--ip", "127.0.0.1");
const port = flagValue("--port", "8787");
const base = `http://${ip}:${port}`;

console.log(`
TaskFlow Edge on ${base}
  demo tenant   ${demo.tenantId}
  demo API key  ${demo.key}
  admin token   ${adminToken}   (from .dev.vars)

  curl -s -X POST ${base}/v1/tasks -H 'authorization: Bearer ${demo.key}' -H 'content-type: application/json' -d '{"title":"Try TaskFlow"}'
  curl -s ${base}/v1/tasks -H 'authorization: Bearer ${demo.key}'
  API docs: ${base}/docs
`);

const devArgs = ["dev", ...(hasFlag("--ip") ? [] : ["--ip", ip]), ...(hasFlag("--port") ? [] : ["--port", port]), ...passThrough];
const child = spawn(process.execPath, [wranglerBin, ...devArgs], { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
