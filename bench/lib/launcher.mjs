// Starts and stops the Worker under test on 127.0.0.1, on one of several serving paths, so
// the benchmark can compare them and then use the leanest:
//   miniflare-direct  programmatic Miniflare with the user Worker bound straight to the socket
//   miniflare         programmatic Miniflare through its entry worker (what dispatchFetch uses)
//   wrangler-dev      `wrangler dev`, as `npm start` runs it (proxy worker + bundler watcher)
//   workerd           bare `workerd serve` with a hand-written config (trivial Worker only:
//                     D1 and Durable Objects need Miniflare's plumbing)
// Every server runs in its own process group so it can be stopped completely, by its pid.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const TMP = join(ROOT, "bench", "results", "tmp"); // gitignored
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
const TRIVIAL = join(ROOT, "bench", "fixtures", "trivial-worker.js");
const SERVE_MINIFLARE = join(ROOT, "bench", "lib", "serve-miniflare.mjs");
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export const SERVING_PATHS = /** @type {const} */ (["miniflare-direct", "miniflare", "wrangler-dev", "workerd"]);

const quietEnv = () => ({ ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" });

/** A port the kernel just handed out (then released): good enough on a quiet machine. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

function wranglerSync(args, label, cwd = ROOT) {
  const r = spawnSync(process.execPath, [WRANGLER, ...args], { cwd, env: quietEnv(), encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${(r.stdout ?? "") + (r.stderr ?? "")}`);
  return r.stdout;
}

/**
 * Bundle the real Worker exactly as `wrangler deploy` would, without deploying.
 * `workerRoot` may point at another checkout (e.g. `git archive HEAD` unpacked, with a
 * node_modules symlink) to benchmark a commit other than the working tree.
 */
export function buildTaskflowBundle(outDir = join(TMP, "bundle"), workerRoot = ROOT) {
  wranglerSync(["deploy", "--dry-run", "--outdir", outDir], "wrangler deploy --dry-run", workerRoot);
  return { scriptPath: join(outDir, "index.js"), modulesRoot: outDir };
}

/** A fresh local D1 with migrations/ applied, laid out the way wrangler and Miniflare share it. */
export function prepareDatabase(persistTo, workerRoot = ROOT) {
  mkdirSync(persistTo, { recursive: true });
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], "wrangler d1 migrations apply", workerRoot);
  return persistTo;
}

/** wrangler's reading of wrangler.toml as Miniflare worker options (bindings, D1, DOs, vars). */
const workerOptionsCache = new Map();
export async function taskflowWorkerOptions(workerRoot = ROOT) {
  if (!workerOptionsCache.has(workerRoot)) {
    const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
    workerOptionsCache.set(workerRoot, unstable_getMiniflareWorkerOptions(join(workerRoot, "wrangler.toml")).workerOptions);
  }
  return workerOptionsCache.get(workerRoot);
}

/**
 * @typedef {object} ServerHandle
 * @property {string} url       origin with trailing slash, e.g. http://127.0.0.1:8787/
 * @property {number} pid       root of the server's process tree (for CPU accounting)
 * @property {string} path
 * @property {string} worker
 * @property {number} startMs   time to first successful answer
 * @property {() => Promise<void>} stop
 */

/**
 * @param {object} o
 * @param {typeof SERVING_PATHS[number]} o.path
 * @param {"trivial" | "taskflow"} o.worker
 * @param {number} [o.port]
 * @param {Record<string,string>} [o.vars]         e.g. {ADMIN_TOKEN, FAULT_INJECTION: "on", ADMISSION_CONTROL: "off"}
 * @param {string} [o.persistTo]                   D1/DO state directory (taskflow), see prepareDatabase
 * @param {{scriptPath: string, modulesRoot: string}} [o.bundle]  from buildTaskflowBundle
 * @param {string} [o.workerRoot]                  checkout holding wrangler.toml (default: this repo)
 * @param {Record<string,{limit: number}>} [o.ratelimits]  override a rate-limit binding's limit (Miniflare paths only)
 * @returns {Promise<ServerHandle>}
 */
export async function startServer({ path, worker, port, vars = {}, persistTo, bundle, workerRoot = ROOT, withAssets = false, ratelimits }) {
  port ??= await freePort();
  const t0 = performance.now();
  let child, url, cleanup = () => {};
  if (path === "miniflare" || path === "miniflare-direct") {
    const spec = {
      port,
      direct: path === "miniflare-direct",
      withAssets,
      vars,
      ratelimits,
      ...(worker === "trivial"
        ? { scriptPath: TRIVIAL, modulesRoot: dirname(TRIVIAL) }
        : { ...requireBundle(bundle), workerOptions: await taskflowWorkerOptions(workerRoot), name: "taskflow-edge", persistPath: join(requirePersist(persistTo), "v3") }),
    };
    child = spawn(process.execPath, [SERVE_MINIFLARE, JSON.stringify(spec)], { cwd: ROOT, env: quietEnv(), stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true });
    url = await readyLine(child);
  } else if (ratelimits) {
    throw new Error(`a rate-limit binding's limit can be overridden only on the Miniflare paths, not ${path} (which reads wrangler.toml as it is)`);
  } else if (path === "wrangler-dev") {
    const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"];
    if (worker === "trivial") args.push("--config", join(ROOT, "bench", "fixtures", "trivial-wrangler.toml"));
    else args.push("--persist-to", requirePersist(persistTo));
    for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
    child = spawn(process.execPath, [WRANGLER, ...args], { cwd: worker === "trivial" ? ROOT : workerRoot, env: quietEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    url = `http://127.0.0.1:${port}/`;
  } else if (path === "workerd") {
    if (worker !== "trivial") throw new Error("bare workerd serves only the trivial Worker (D1 and Durable Objects need Miniflare)");
    const dir = join(TMP, `workerd-${port}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(TRIVIAL, join(dir, "worker.js"));
    writeFileSync(join(dir, "config.capnp"), workerdConfig(port));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    child = spawn(WORKERD, ["serve", join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], detached: true });
    url = `http://127.0.0.1:${port}/`;
  } else {
    throw new Error(`unknown serving path ${path}; one of ${SERVING_PATHS.join(", ")}`);
  }
  const log = collectOutput(child);
  const stop = async () => {
    await stopTree(child);
    cleanup();
  };
  try {
    await waitForHttp(url, child, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid, path, worker, startMs: performance.now() - t0, stop };
}

const requireBundle = (b) => b ?? (() => { throw new Error("the taskflow Worker needs a bundle (buildTaskflowBundle)"); })();
const requirePersist = (p) => p ?? (() => { throw new Error("the taskflow Worker needs persistTo (prepareDatabase)"); })();

function workerdConfig(port) {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .trivial) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const trivial :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
);
`;
}

/** Keep the last few KB of a child's output for error messages; never let a pipe fill up. */
function collectOutput(child) {
  const log = { text: "" };
  // BENCH_SERVER_LOG=<file>: also append the server's whole output there (for debugging a run).
  const tee = process.env.BENCH_SERVER_LOG;
  const keep = (chunk) => {
    log.text = (log.text + chunk).slice(-8000);
    if (tee) appendFileSync(tee, chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return log;
}

function readyLine(child) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("miniflare did not report READY in time")), START_TIMEOUT_MS);
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const m = buf.match(/READY (\S+)/);
      if (m) (clearTimeout(timer), resolve(m[1]));
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`server exited with ${code} before it was ready`))));
  });
}

/** Poll until the server answers any HTTP status (bounded in time). */
async function waitForHttp(url, child, log) {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log.text}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not answer within ${START_TIMEOUT_MS / 1000}s:\n${log.text}`);
}

/** SIGTERM the child's process group, then SIGKILL it if it has not exited in time. */
async function stopTree(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signalGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  // workerd may outlive its parent by a moment; make sure the whole group is gone.
  signalGroup("SIGKILL");
}
