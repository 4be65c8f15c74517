// One measurement with CPU accounting: runs a load function while sampling the CPU time
// of the server's process tree and of this (client) process.
import { selfCpuSeconds, treeCpuSeconds } from "./proc-cpu.mjs";

/**
 * @template T
 * @param {{pid: number}} server
 * @param {() => Promise<T>} load
 * @returns {Promise<{result: T, wallS: number, serverCpuS: number, clientCpuS: number}>}
 */
export async function withCpu(server, load) {
  const s0 = treeCpuSeconds(server.pid), c0 = selfCpuSeconds(), t0 = performance.now();
  const result = await load();
  const wallS = (performance.now() - t0) / 1000;
  return { result, wallS, serverCpuS: treeCpuSeconds(server.pid) - s0, clientCpuS: selfCpuSeconds() - c0 };
}
