// CPU profile of the TaskFlow Worker (and its Durable Objects) under a steady request mix,
// through workerd's V8 inspector: which functions the server's time goes to.
//   node bench/tools/profile.mjs [--seconds 8] [--rate 150] [--off] [--kind high|mix|byid|notfound] [--grep regex-of-function-names] [--inclusive]
// --kind byid reads one task by id, as the overhead scenario's saturated read does.
import { auth, createTenant, seedTasks, UNLIMITED_RATE } from "../scenarios/api.mjs";
import { Ledger } from "../scenarios/ledger.mjs";
import { OVERLOAD_QUOTA, overloadMix } from "../scenarios/overload.mjs";
import { firstTaskId, OVERHEAD_QUOTA, saturatedReadMix } from "../scenarios/overhead.mjs";
import { Taskflow } from "../scenarios/taskflow.mjs";
import { openPhase } from "../scenarios/util.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const PORT = 9300 + Math.floor(Math.random() * 500);
process.env.BENCH_INSPECTOR_PORT = String(PORT);
const admission = !process.argv.includes("--off");

class Session {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.id = 0;
    this.pending = new Map();
    this.ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      const p = this.pending.get(msg.id);
      if (p) (this.pending.delete(msg.id), msg.error ? p.reject(new Error(msg.error.message)) : p.resolve(msg.result));
    };
    this.open = new Promise((r, j) => ((this.ws.onopen = r), (this.ws.onerror = j)));
  }
  send(method, params = {}) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

const GREP = arg("grep", "") ? new RegExp(arg("grep", "")) : null;
// --inclusive: each function's time with its callees' (a sample counts once per function on its stack).
const INCLUSIVE = process.argv.includes("--inclusive");
function summarize(profile, top = 45) {
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((child) => [child, n.id])));
  const keyOf = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-1)[0]}:${n.callFrame.lineNumber}`;
  const counts = new Map();
  profile.samples.forEach((id, i) => counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0)));
  let total = 0;
  for (const [id, us] of counts) {
    const keys = new Set([keyOf(byId.get(id))]);
    if (INCLUSIVE) for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) keys.add(keyOf(byId.get(up)));
    for (const key of keys) self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return { total, rows: [...self].filter(([k]) => !GREP || GREP.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top) };
}

const tf = new Taskflow({ servingPath: "miniflare-direct", runId: `profile-${Date.now()}`, log: (s) => console.error(s) });
try {
  await tf.serve(admission);
  const kind = arg("kind", "high");
  const tenant = await createTenant(tf.origin, tf.adminToken, "profile", kind === "mix" ? OVERLOAD_QUOTA : kind === "byid" ? OVERHEAD_QUOTA : { rateLimit: UNLIMITED_RATE });
  await seedTasks(tf.origin, tenant.apiKey, 2000);
  const targets = await (await fetch(`http://127.0.0.1:${PORT}/json`)).json();
  console.log(`inspector targets: ${targets.map((t) => t.title ?? t.id).join(", ")}`);
  const sessions = [];
  for (const t of targets) {
    const s = new Session(t.webSocketDebuggerUrl);
    await s.open;
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: 100 });
    await s.send("Profiler.start");
    sessions.push([t, s]);
  }
  const ledger = new Ledger("profile");
  const readById = kind === "byid" ? saturatedReadMix(tenant.apiKey, await firstTaskId(tf.origin, tenant.apiKey)) : undefined;
  const mix = readById ?? (kind === "notfound" ? [{ name: "notfound", path: "/health", group: "x" }] : kind === "mix" ? overloadMix({ apiKey: tenant.apiKey, ledger, phase: "p" }) : [{ name: "small-page", path: "/v1/tasks?limit=5", headers: auth(tenant.apiKey, "high"), group: "high" }]);
  const ph = await openPhase({ origin: tf.origin, mix, rate: Number(arg("rate", 150)), durationMs: Number(arg("seconds", 8)) * 1000, ledger, timeoutMs: 10_000, drainMs: 2000, maxInFlight: 2000 });
  console.log(`sent ${ph.sent}, statuses ${JSON.stringify(ph.total.statusCounts)}`);
  for (const [t, s] of sessions.filter(([t]) => String(t.title).includes("taskflow"))) {
    const { profile } = await s.send("Profiler.stop");
    const { total, rows } = summarize(profile);
    console.log(`\n== ${t.title ?? t.id}: ${(total / 1000).toFixed(0)} ms sampled (${(total / ph.sent).toFixed(0)} µs/request)`);
    for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
    s.ws.close();
  }
} finally {
  await tf.stop();
}
