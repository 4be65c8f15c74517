// The real TaskFlow Worker for scenarios 2–5: one bundle and one local D1 per bench run,
// served on the chosen path, restarted with ADMISSION_CONTROL=off, on or rate-limit-binding
// (the peer, rate-limit-peer.mjs) between phases (the data stays: the integrity check covers
// every phase).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { buildTaskflowBundle, prepareDatabase, startServer, TMP } from "../lib/launcher.mjs";

export class Taskflow {
  /** @param {{servingPath: string, runId: string, log: (s: string) => void, workerRoot?: string}} o */
  constructor({ servingPath, runId, log, workerRoot, withAssets = false }) {
    this.workerRoot = workerRoot;
    this.withAssets = withAssets;
    this.servingPath = servingPath;
    this.runId = runId;
    this.log = log;
    this.adminToken = randomBytes(24).toString("hex");
    this.persistTo = join(TMP, `run-${runId}`, "state");
    /** @type {import("../lib/launcher.mjs").ServerHandle | undefined} */
    this.server = undefined;
    this.admission = undefined;
  }

  /** Bundle the Worker and create the run's D1 (idempotent). */
  prepare() {
    if (this.bundle) return;
    let t = performance.now();
    this.bundle = buildTaskflowBundle(join(TMP, `run-${this.runId}`, "bundle"), this.workerRoot);
    this.log(`  bundled worker/index.ts${this.workerRoot ? ` from ${this.workerRoot}` : ""} (${Math.round(performance.now() - t)} ms)`);
    t = performance.now();
    prepareDatabase(this.persistTo, this.workerRoot);
    this.log(`  applied migrations/ to a fresh local D1 (${Math.round(performance.now() - t)} ms)`);
  }

  get prepared() {
    return Boolean(this.bundle);
  }

  get origin() {
    if (!this.server) throw new Error("the TaskFlow server is not running");
    return this.server.url.replace(/\/$/, "");
  }

  /**
   * Serve with admission on, off or "rate-limit-binding" (the peer); a no-op if already serving
   * that way. `ratelimits` overrides a rate-limit binding's limit, e.g. {TENANT_RATE_LIMIT: {limit: 300}}.
   * @param {boolean | "rate-limit-binding"} admission
   * @param {Record<string,string>} [extraVars]
   * @param {{ratelimits?: Record<string,{limit: number}>}} [options]
   */
  async serve(admission, extraVars = {}, { ratelimits } = {}) {
    this.prepare();
    const varsKey = JSON.stringify({ extraVars, ratelimits });
    if (this.server && this.admission === admission && this.varsKey === varsKey) return this.server;
    await this.stop();
    this.server = await startServer({
      path: /** @type {any} */ (this.servingPath),
      worker: "taskflow",
      bundle: this.bundle,
      persistTo: this.persistTo,
      workerRoot: this.workerRoot,
      withAssets: this.withAssets,
      // BENCH_VARS (JSON, experiments only) overrides every phase's vars; the log line says so.
      // METRICS_MAX_TENANTS: a full run creates some 40 tenants, and scenarios read their own tenant's series from /metrics.
      vars: { ADMIN_TOKEN: this.adminToken, FAULT_INJECTION: "on", ADMISSION_CONTROL: admissionVar(admission), DB_ENABLE_QUERY_LOGGING: "false", METRICS_MAX_TENANTS: "500", ...extraVars, ...benchVarOverrides() },
      ratelimits,
    });
    this.admission = admission;
    this.varsKey = varsKey;
    const limits = ratelimits ? `, ${Object.entries(ratelimits).map(([name, { limit }]) => `${name} limit ${limit}`).join(", ")}` : "";
    const overrides = process.env.BENCH_VARS ? `, BENCH_VARS ${process.env.BENCH_VARS}` : "";
    this.log(`  TaskFlow on ${this.server.url} (${this.servingPath}, admission ${admissionVar(admission)}${limits}${overrides}, started in ${Math.round(this.server.startMs)} ms)`);
    return this.server;
  }

  async stop() {
    await this.server?.stop();
    this.server = undefined;
    this.admission = undefined;
  }
}

/** The ADMISSION_CONTROL value for a serve() mode. */
const admissionVar = (admission) => (admission === true ? "on" : admission === false ? "off" : admission);

/** @returns {Record<string,string>} */
function benchVarOverrides() {
  return process.env.BENCH_VARS ? JSON.parse(process.env.BENCH_VARS) : {};
}
