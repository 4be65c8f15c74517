/**
 * GET /dashboard: one self-contained page, no build step and no CDN. It asks for the admin
 * token (kept in sessionStorage), polls /admin/dashboard-data every 5 s and draws SVG line
 * charts by hand. Every string from the server goes in through textContent, never HTML.
 * Each chart marks itself `data-has-data="true"` once it drew a point (the browser test reads it).
 * The governor panel polls /admin/governor with the same token: budget, contention and a table
 * of each tenant's demand, forecast, weight and share.
 */
export function dashboardPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TaskFlow Edge — live dashboard</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
  :root { --bg:#0f1419; --panel:#182028; --fg:#e6e6e6; --muted:#8a96a3; --grid:#2a343e; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
  header { display:flex; gap:1rem; align-items:center; padding:.75rem 1rem; border-bottom:1px solid var(--grid); flex-wrap:wrap; }
  header h1 { font-size:1.05rem; margin:0 1rem 0 0; }
  form { display:flex; gap:.5rem; }
  input, button, select { font:inherit; padding:.3rem .5rem; border-radius:4px; border:1px solid var(--grid); background:var(--panel); color:var(--fg); }
  #status { color:var(--muted); }
  #status.error { color:#ff6b6b; }
  main { display:grid; grid-template-columns:repeat(auto-fill, minmax(420px, 1fr)); gap:1rem; padding:1rem; }
  section { background:var(--panel); border-radius:6px; padding:.75rem; }
  section h2 { font-size:.95rem; margin:0 0 .5rem; display:flex; justify-content:space-between; }
  section h2 small { color:var(--muted); font-weight:normal; }
  svg { width:100%; height:180px; display:block; }
  .legend { display:flex; gap:.75rem; flex-wrap:wrap; color:var(--muted); font-size:.8rem; margin-top:.25rem; }
  .legend i { display:inline-block; width:10px; height:3px; vertical-align:middle; margin-right:4px; }
  #alerts ul { margin:0; padding-left:1.1rem; }
  #alerts li.page { color:#ff8c8c; }
  #alerts li.ticket { color:#ffd27a; }
  .wide { grid-column:1 / -1; }
  #tenants { display:grid; grid-template-columns:repeat(auto-fill, minmax(300px, 1fr)); gap:.75rem; }
  #tenants svg { height:120px; }
  .muted { color:var(--muted); }
  #governor table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
  #governor th, #governor td { text-align:right; padding:.15rem .5rem; border-bottom:1px solid var(--grid); }
  #governor th:first-child, #governor td:first-child { text-align:left; }
</style>
</head>
<body>
<header>
  <h1>TaskFlow Edge</h1>
  <form id="token-form" autocomplete="off">
    <input id="token" type="password" placeholder="Admin token" aria-label="Admin token" size="28">
    <select id="minutes" aria-label="Range"><option value="15">15 min</option><option value="30" selected>30 min</option><option value="60">60 min</option></select>
    <button type="submit">Connect</button>
  </form>
  <span id="status">Enter the admin token to start.</span>
</header>
<main>
  <section id="alerts" class="wide"><h2>Active alerts <small id="alert-count"></small></h2><ul id="alert-list"><li class="muted">none</li></ul></section>
  <section><h2>Latency (ms, served requests) <small id="latency-now"></small></h2><svg id="chart-latency" data-chart="latency"></svg><div class="legend" id="legend-latency"></div></section>
  <section><h2>Throughput (requests/s) <small id="rps-now"></small></h2><svg id="chart-rps" data-chart="rps"></svg><div class="legend" id="legend-rps"></div></section>
  <section><h2>Error rate by request priority (%)</h2><svg id="chart-errors" data-chart="errors"></svg><div class="legend" id="legend-errors"></div></section>
  <section><h2>Shed rate by request priority (%)</h2><svg id="chart-shed" data-chart="shed"></svg><div class="legend" id="legend-shed"></div></section>
  <section class="wide"><h2>Admission per tenant: queue depth and concurrency limit; controllers serving it and the share of its slots isolates hold under leases</h2><div id="tenants"><p class="muted">No admission reports yet.</p></div></section>
  <section id="governor" class="wide"><h2>Resource governor: D1 budget and fair shares <small id="governor-summary"></small></h2><table><thead><tr><th>tenant</th><th>demand</th><th>forecast</th><th>weight</th><th>share</th></tr></thead><tbody id="governor-rows"><tr><td class="muted" colspan="5">No tenant has reported yet.</td></tr></tbody></table></section>
</main>
<script nonce="${nonce}">
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { p50: "#4fc3f7", p95: "#ffb74d", p99: "#e57373", rps: "#81c784", critical: "#e57373", high: "#ffb74d", normal: "#4fc3f7", low: "#b39ddb", limit: "#81c784", queued: "#ffb74d", inflight: "#4fc3f7" };
  const PRIORITIES = ["critical", "high", "normal", "low"];
  const $ = (id) => document.getElementById(id);
  let timer = null;

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    if (Math.abs(v) >= 100) return String(Math.round(v));
    if (Math.abs(v) >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  /** Line chart: xs are epoch ms, each series {name, values (number|null)[]}; null breaks the line. */
  function lineChart(svg, xs, series) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const w = svg.clientWidth || 400, h = svg.clientHeight || 180, pad = { l: 44, r: 8, t: 8, b: 20 };
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
    const top = Math.max(0, ...all);
    const max = (top > 0 ? top : 1) * 1.1;
    const x = (i) => pad.l + (xs.length > 1 ? (i / (xs.length - 1)) * (w - pad.l - pad.r) : 0);
    const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
    for (let k = 0; k <= 4; k++) {
      const v = (max / 4) * k;
      svg.appendChild(el("line", { x1: pad.l, x2: w - pad.r, y1: y(v), y2: y(v), stroke: "#2a343e" }));
      svg.appendChild(el("text", { x: pad.l - 4, y: y(v) + 4, "text-anchor": "end", fill: "#8a96a3", "font-size": 10 }, fmt(v)));
    }
    if (xs.length) {
      for (const i of [0, xs.length - 1]) {
        const t = new Date(xs[i]);
        svg.appendChild(el("text", { x: x(i), y: h - 4, "text-anchor": i ? "end" : "start", fill: "#8a96a3", "font-size": 10 }, t.toTimeString().slice(0, 5)));
      }
    }
    let points = 0;
    for (const s of series) {
      let d = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) { pen = false; return; }
        d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
        points++;
        svg.appendChild(el("circle", { cx: x(i), cy: y(v), r: 1.8, fill: s.color, "data-series": s.name }));
      });
      if (d) svg.appendChild(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8, "data-series": s.name }));
    }
    svg.setAttribute("data-has-data", points > 0 ? "true" : "false");
    svg.setAttribute("data-points", String(points));
  }

  function legend(box, names) {
    box.textContent = "";
    for (const n of names) {
      const span = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = COLORS[n] || "#ccc";
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(n));
      box.appendChild(span);
    }
  }

  const pct = (v) => (v === null ? null : v * 100);

  function render(data) {
    const xs = data.minutes.map((m) => m.start);
    lineChart($("chart-latency"), xs, ["p50", "p95", "p99"].map((q) => ({ name: q, color: COLORS[q], values: data.minutes.map((m) => m[q]) })));
    legend($("legend-latency"), ["p50", "p95", "p99"]);
    lineChart($("chart-rps"), xs, [{ name: "rps", color: COLORS.rps, values: data.minutes.map((m) => (m.requests > 0 ? m.rps : 0)) }]);
    legend($("legend-rps"), ["rps"]);
    lineChart($("chart-errors"), xs, PRIORITIES.map((p) => ({ name: p, color: COLORS[p], values: data.minutes.map((m) => pct(m.errorRate[p])) })));
    legend($("legend-errors"), PRIORITIES);
    lineChart($("chart-shed"), xs, PRIORITIES.map((p) => ({ name: p, color: COLORS[p], values: data.minutes.map((m) => pct(m.shedRate[p])) })));
    legend($("legend-shed"), PRIORITIES);
    const last = data.minutes[data.minutes.length - 1];
    $("latency-now").textContent = last ? "p99 now " + fmt(last.p99) + " ms" : "";
    $("rps-now").textContent = last ? fmt(last.rps) + " rps now" : "";

    const tenants = $("tenants");
    tenants.textContent = "";
    if (!data.tenants.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No admission reports yet.";
      tenants.appendChild(p);
    }
    for (const t of data.tenants) {
      const box = document.createElement("div");
      const title = document.createElement("div");
      // Sharding and isolate leases (DESIGN.md section 7), from the tenant's latest report.
      const latest = t.points.filter((p) => p.limit !== null).pop();
      const shards = latest && latest.shards !== null ? latest.shards : 1;
      const coverage = latest && latest.leaseCoverage !== null ? Math.round(latest.leaseCoverage * 100) + " %" : "none";
      title.textContent = "tenant " + t.tenant + " · " + shards + (shards === 1 ? " controller" : " shard controllers") + " · lease coverage " + coverage;
      title.setAttribute("data-shards", String(shards));
      const svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("data-chart", "tenant");
      svg.setAttribute("data-tenant", t.tenant);
      box.appendChild(title);
      box.appendChild(svg);
      const lg = document.createElement("div");
      lg.className = "legend";
      box.appendChild(lg);
      tenants.appendChild(box);
      lineChart(svg, t.points.map((p) => p.start), ["queued", "limit", "inflight"].map((k) => ({ name: k, color: COLORS[k], values: t.points.map((p) => p[k]) })));
      legend(lg, ["queued", "limit", "inflight"]);
    }

    const list = $("alert-list");
    list.textContent = "";
    $("alert-count").textContent = data.alerts.length ? String(data.alerts.length) : "";
    if (!data.alerts.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "none";
      list.appendChild(li);
    }
    for (const a of data.alerts) {
      const li = document.createElement("li");
      li.className = a.severity;
      li.textContent = "[" + a.severity + "] " + a.summary + " — since " + new Date(a.startedAt).toLocaleTimeString();
      list.appendChild(li);
    }
  }

  function renderGovernor(view) {
    const signal = view.contention.signal === null ? "n/a" : fmt(view.contention.signal) + "x";
    $("governor-summary").textContent = "budget " + view.budget + " of " + view.maxBudget + " · contention " + signal + " (threshold " + view.contention.threshold + "x)";
    const rows = $("governor-rows");
    rows.textContent = "";
    if (!view.tenants.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.className = "muted";
      td.colSpan = 5;
      td.textContent = "No tenant has reported yet.";
      tr.appendChild(td);
      rows.appendChild(tr);
    }
    for (const t of view.tenants) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-tenant", t.tenant);
      for (const v of [t.tenant, fmt(t.demand), fmt(t.forecast), fmt(t.weight), String(t.share)]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.appendChild(td);
      }
      rows.appendChild(tr);
    }
  }

  async function pollGovernor(token) {
    const res = await fetch("/admin/governor", { headers: { authorization: "Bearer " + token } });
    if (res.ok) renderGovernor(await res.json());
  }

  async function poll() {
    const token = sessionStorage.getItem("taskflow-admin-token");
    if (!token) return;
    const minutes = $("minutes").value;
    try {
      const res = await fetch("/admin/dashboard-data?minutes=" + encodeURIComponent(minutes), { headers: { authorization: "Bearer " + token } });
      if (res.status === 401 || res.status === 403) {
        $("status").textContent = "The token was refused.";
        $("status").className = "error";
        sessionStorage.removeItem("taskflow-admin-token");
        return;
      }
      if (!res.ok) throw new Error("HTTP " + res.status);
      render(await res.json());
      await pollGovernor(token);
      $("status").textContent = "Live · updated " + new Date().toLocaleTimeString();
      $("status").className = "";
    } catch (e) {
      $("status").textContent = "Could not load data: " + (e && e.message ? e.message : String(e));
      $("status").className = "error";
    }
  }

  function start() {
    if (timer) clearInterval(timer);
    poll();
    timer = setInterval(poll, 5000);
  }

  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    sessionStorage.setItem("taskflow-admin-token", token);
    $("token").value = "";
    $("status").textContent = "Connecting…";
    start();
  });
  $("minutes").addEventListener("change", () => poll());
  if (sessionStorage.getItem("taskflow-admin-token")) start();
})();
</script>
</body>
</html>`;
}
