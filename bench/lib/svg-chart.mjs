// Dependency-free SVG charts for the results folder: line panels (sweeps) and grouped bars
// (scenario comparisons). Small and deterministic so committed charts diff cleanly.

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** 1-2-5 "nice" tick step for a span. */
export function niceStep(span, targetTicks = 5) {
  if (!(span > 0)) return 1;
  const raw = span / targetTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

const label = (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`);

function axes({ x0, y0, w, h, yMax, yLabel, title }) {
  const step = niceStep(yMax);
  let out = `<text x="${x0}" y="${y0 - h - 10}" font-size="14" font-weight="600">${esc(title)}</text>`;
  out += `<text x="${x0 - 48}" y="${y0 - h / 2}" font-size="11" transform="rotate(-90 ${x0 - 48} ${y0 - h / 2})" text-anchor="middle">${esc(yLabel)}</text>`;
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const y = y0 - (v / yMax) * h;
    out += `<line x1="${x0}" x2="${x0 + w}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${x0 - 6}" y="${y + 4}" font-size="10" text-anchor="end">${label(v)}</text>`;
  }
  out += `<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 - h}" stroke="#111"/><line x1="${x0}" x2="${x0 + w}" y1="${y0}" y2="${y0}" stroke="#111"/>`;
  return { svg: out, yTop: Math.ceil(yMax / step) * step };
}

function legend(names, x, y) {
  return names.map((n, i) => `<rect x="${x + i * 130}" y="${y}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + i * 130 + 14}" y="${y + 9}" font-size="11">${esc(n)}</text>`).join("");
}

/**
 * @param {{title: string, xLabel: string, yLabel: string, series: {name: string, points: [number, number][]}[]}} panel
 * @param {{width: number, height: number, top: number}} box
 */
function linePanel(panel, { width, height, top }) {
  const x0 = 70, w = width - 100, h = height - 80, y0 = top + h + 30;
  const pts = panel.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xMin = Math.min(...pts.map((p) => p[0]), 0), xMax = Math.max(...pts.map((p) => p[0]), 1);
  const ax = axes({ x0, y0, w, h, yMax: Math.max(...pts.map((p) => p[1]), 1e-9) * 1.05, yLabel: panel.yLabel, title: panel.title });
  const sx = (x) => x0 + ((x - xMin) / (xMax - xMin || 1)) * w, sy = (y) => y0 - (y / ax.yTop) * h;
  let out = ax.svg;
  const xStep = niceStep(xMax - xMin, 10);
  for (let v = Math.ceil(xMin / xStep) * xStep; v <= xMax + 1e-9; v += xStep) out += `<text x="${sx(v)}" y="${y0 + 14}" font-size="10" text-anchor="middle">${label(v)}</text>`;
  out += `<text x="${x0 + w / 2}" y="${y0 + 30}" font-size="11" text-anchor="middle">${esc(panel.xLabel)}</text>`;
  panel.series.forEach((s, i) => {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const color = PALETTE[i % PALETTE.length];
    out += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${good.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`;
    out += good.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`).join("");
  });
  out += legend(panel.series.map((s) => s.name), x0 + 10, top + 4);
  return out;
}

/**
 * @param {{title: string, yLabel: string, categories: string[], series: {name: string, values: number[]}[]}} panel
 * @param {{width: number, height: number, top: number}} box
 */
function barPanel(panel, { width, height, top }) {
  const x0 = 70, w = width - 100, h = height - 80, y0 = top + h + 30;
  const vals = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
  const ax = axes({ x0, y0, w, h, yMax: Math.max(...vals, 1e-9) * 1.1, yLabel: panel.yLabel, title: panel.title });
  const groupW = w / panel.categories.length, barW = (groupW * 0.8) / panel.series.length;
  let out = ax.svg;
  panel.categories.forEach((c, ci) => {
    out += `<text x="${x0 + groupW * (ci + 0.5)}" y="${y0 + 14}" font-size="10" text-anchor="middle">${esc(c)}</text>`;
    panel.series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const bh = (v / ax.yTop) * h, x = x0 + groupW * ci + groupW * 0.1 + barW * si;
      out += `<rect x="${x.toFixed(1)}" y="${(y0 - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${s.name} ${c}: ${label(v)}`)}</title></rect>`;
      out += `<text x="${(x + barW / 2).toFixed(1)}" y="${(y0 - bh - 3).toFixed(1)}" font-size="9" text-anchor="middle">${label(v)}</text>`;
    });
  });
  out += legend(panel.series.map((s) => s.name), x0 + 10, top + 4);
  return out;
}

/**
 * Panels stacked vertically in one SVG document.
 * @param {({kind: "line"} & Parameters<typeof linePanel>[0] | {kind: "bar"} & Parameters<typeof barPanel>[0])[]} panels
 */
export function svgDocument(panels, { width = 820, panelHeight = 300 } = {}) {
  const height = panels.length * panelHeight + 10;
  const body = panels.map((p, i) => (p.kind === "bar" ? barPanel : linePanel)(/** @type {any} */ (p), { width, height: panelHeight, top: i * panelHeight + 20 })).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${body}\n</svg>\n`;
}
