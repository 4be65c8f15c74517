// How many calls a second Miniflare's rate-limit binding answers, beside a Worker that calls
// nothing: the local ceiling of the benchmark's peer (bench/scenarios/rate-limit-peer.mjs).
// A closed loop of 1, 16 and 64 clients for a few seconds each, on 127.0.0.1 only.
//   node bench/tools/rate-limit-binding-ceiling.mjs [--seconds 3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { Pool } from "undici";
import { describeMachine, machineLine } from "../lib/machine.mjs";

const at = process.argv.indexOf("--seconds");
const SECONDS = at > 0 ? Number(process.argv[at + 1]) : 3;
// Two keys, a limit never reached: every call is counted and allowed, as the peer's are below the fair rate.
const script = `export default { async fetch(req, env) {
  if (new URL(req.url).pathname !== "/limit") return new Response("ok");
  const { success } = await env.RL.limit({ key: Math.random() < 0.5 ? "a" : "b" });
  return new Response(success ? "ok" : "refused", { status: success ? 200 : 429 });
} }`;
const state = mkdtempSync(join(tmpdir(), "ratelimit-ceiling-"));
const mf = new Miniflare(convertV4MiniflareOptions({
  modules: true, script, host: "127.0.0.1", port: 0, compatibilityDate: "2026-11-01", resourcePersistencePath: state,
  ratelimits: { RL: { namespace_id: "1", simple: { limit: 1_000_000_000, period: 10 } } },
}));
try {
  const origin = (await mf.ready).origin;
  const pool = new Pool(origin, { connections: 64 });
  const closedLoop = async (path, clients) => {
    let answered = 0;
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const res = await pool.request({ path, method: "GET" });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}`);
        answered++;
      }
    }));
    return answered / SECONDS;
  };
  console.log(machineLine(describeMachine()));
  console.log(`clients  no binding req/s  binding.limit() req/s`);
  for (const clients of [1, 16, 64]) console.log(`${String(clients).padEnd(7)}  ${(await closedLoop("/", clients)).toFixed(0).padStart(16)}  ${(await closedLoop("/limit", clients)).toFixed(0).padStart(21)}`);
  await pool.close();
} finally {
  await mf.dispose();
  rmSync(state, { recursive: true, force: true });
}
