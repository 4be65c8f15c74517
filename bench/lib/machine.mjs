// A description of the machine, printed first and written into every result, because a
// benchmark figure means nothing without the hardware it was measured on.
import { spawnSync } from "node:child_process";
import os from "node:os";
import { join } from "node:path";
import { ROOT } from "./launcher.mjs";

export function describeMachine() {
  const cpus = os.cpus();
  const workerd = spawnSync(join(ROOT, "node_modules", ".bin", "workerd"), ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "unknown";
  const pkg = (name) => {
    try {
      return JSON.parse(spawnSync(process.execPath, ["-p", `JSON.stringify(require("${name}/package.json").version)`], { cwd: ROOT, encoding: "utf8" }).stdout);
    } catch {
      return "unknown";
    }
  };
  return {
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    workerd,
    wrangler: pkg("wrangler"),
    miniflare: pkg("miniflare"),
    loadAverage: os.loadavg().map((n) => +n.toFixed(2)),
  };
}

/** Short file-name-safe machine tag, e.g. "amd-epyc-2c". */
export function machineSlug(m = describeMachine()) {
  const cpu = m.cpuModel.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").split("-").slice(0, 3).join("-");
  return `${cpu || "cpu"}-${m.cores}c`;
}

export function machineLine(m) {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}, ${m.workerd}, wrangler ${m.wrangler}, miniflare ${m.miniflare}; load average at start ${m.loadAverage.join(" ")}`;
}

export const today = () => new Date().toISOString().slice(0, 10);
