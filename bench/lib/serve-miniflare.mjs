#!/usr/bin/env node
// Child process that serves one Worker with programmatic Miniflare, so the load client's
// process does nothing but send load (and its CPU can be told apart from the server's).
// Started by launcher.mjs with a JSON spec in argv[2]; prints one line `READY <url>` once
// the Worker answers, disposes Miniflare (which stops workerd) on SIGTERM/SIGINT or when
// the parent goes away (IPC channel closed), so no workerd is ever left behind.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

/**
 * @typedef {object} ServeSpec
 * @property {string} scriptPath          the bundled ES module Worker
 * @property {string} modulesRoot         its directory (workerd refuses module names with "..")
 * @property {number} port
 * @property {boolean} direct             bind the user Worker straight to the socket, skipping
 *                                        Miniflare's entry worker (no cf object, no gzip, one hop less)
 * @property {object} [workerOptions]     wrangler's view of wrangler.toml (bindings, D1, DOs)
 * @property {Record<string,string>} [vars]  overrides merged into the plain-text bindings
 * @property {string} [persistPath]       resourcePersistencePath (`<persist-to>/v3`, as wrangler lays it out)
 * @property {string} [name]
 * @property {boolean} [withAssets]       keep wrangler's `assets` (the /docs files); the benchmark leaves them out
 * @property {Record<string,{limit: number}>} [ratelimits]  a rate-limit binding's limit instead of wrangler.toml's
 *                                        (the peer's "fair rate"; its period stays as configured)
 */
const spec = /** @type {ServeSpec} */ (JSON.parse(process.argv[2]));
// Without `assets` unless asked: locally Miniflare puts its asset router in front of the Worker,
// which costs every request a hop (bench/README.md); the benchmark measures the API, not /docs.
const { modulesRules: _ignored, assets, ...wranglerOptions } = spec.workerOptions ?? { compatibilityDate: "2026-11-01" };
const fromWrangler = spec.withAssets && assets ? { ...wranglerOptions, assets } : wranglerOptions;
const worker = {
  ...fromWrangler,
  name: spec.name ?? "bench",
  modules: true,
  scriptPath: spec.scriptPath,
  modulesRoot: spec.modulesRoot,
  bindings: { ...fromWrangler.bindings, ...spec.vars },
  ...(spec.ratelimits ? { ratelimits: withLimits(fromWrangler.ratelimits, spec.ratelimits) } : {}),
  ...(spec.direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: spec.port }] } : {}),
};
/** wrangler's rate-limit bindings with the spec's limits; naming a binding wrangler.toml lacks is an error. */
function withLimits(configured = {}, limits) {
  const merged = { ...configured };
  for (const [name, { limit }] of Object.entries(limits)) {
    const binding = configured[name];
    if (!binding) throw new Error(`no rate-limit binding ${name} in wrangler.toml`);
    merged[name] = { ...binding, simple: { ...binding.simple, limit } };
  }
  return merged;
}

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    // BENCH_INSPECTOR_PORT: open workerd's V8 inspector, to profile the Worker under load.
    ...(process.env.BENCH_INSPECTOR_PORT ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) } : {}),
    // With a direct socket the entry socket is unused by the benchmark: let it take any port.
    port: spec.direct ? 0 : spec.port,
    ...(spec.persistPath ? { resourcePersistencePath: spec.persistPath } : {}),
    ...worker,
  }),
);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await mf.dispose().catch(() => {});
  process.exit(code);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => stop(0));
process.on("disconnect", () => stop(0));

try {
  const entryUrl = await mf.ready;
  const url = spec.direct ? `http://127.0.0.1:${spec.port}/` : String(entryUrl);
  process.stdout.write(`READY ${url}\n`);
} catch (err) {
  process.stderr.write(`miniflare failed to start: ${err?.stack ?? err}\n`);
  await stop(1);
}
