import { describe, expect, it } from "vitest";
import { svgDocument, type Panel } from "../../../bench/lib/svg-chart";
import { fontSize, pathVerticalExtent, svgElements, textCentreY, translation, valueAxisTicks, yOnAxis, type SvgElement } from "./svg-elements";

const PANEL_HEIGHT = 300;
const panels: Panel[] = [
  { kind: "bar", title: "Ceiling by serving path", yLabel: "requests / s", categories: ["direct", "entry"], series: [{ name: "admission off", values: [9400, 3000] }, { name: "admission on", values: [5000, Number.NaN] }] },
  { kind: "line", title: "Loadtest latency", xLabel: "concurrent clients", yLabel: "ms", series: [{ name: "p50", points: [[10, 4], [20, 6], [30, 9]] }, { name: "p99", points: [[10, 120], [20, 165.8], [30, 40]] }] },
];
const svg = svgDocument(panels, { panelHeight: PANEL_HEIGHT });
const elements = svgElements(svg);
const band = (panel: number) => ({ from: panel * PANEL_HEIGHT, to: (panel + 1) * PANEL_HEIGHT });
/** A series' data mark (bar or line symbol); ECharts tags them with series and data index. */
const mark = (series: number, data: number): SvgElement | undefined =>
  elements.find((e) => e.attrs.ecmeta_ssr_type === "chart" && e.attrs.ecmeta_series_index === String(series) && e.attrs.ecmeta_data_index === String(data));
const textNamed = (text: string, panel: number): SvgElement | undefined => elements.find((e) => e.name === "text" && e.text === text && textCentreY(e) >= band(panel).from && textCentreY(e) < band(panel).to);

describe("svg charts", () => {
  it("draws each bar to the height its axis gives its value", () => {
    const ticks = valueAxisTicks(elements, band(0));
    expect(ticks.map((t) => t.value)).toContain(0);
    expect(Math.max(...ticks.map((t) => t.value))).toBeGreaterThanOrEqual(9400);
    for (const [series, data, value] of [[0, 0, 9400], [0, 1, 3000], [1, 0, 5000]] as const) {
      const bar = mark(series, data);
      if (!bar) throw new Error(`no bar for series ${series} item ${data}`);
      const { top, bottom } = pathVerticalExtent(bar);
      expect(Math.abs(top - yOnAxis(ticks, value))).toBeLessThanOrEqual(1.5);
      expect(Math.abs(bottom - yOnAxis(ticks, 0))).toBeLessThanOrEqual(1.5);
    }
  });

  it("leaves a missing value out instead of drawing it as zero", () => {
    expect(mark(1, 1)).toBeUndefined();
  });

  it("puts each line point at the height its axis gives its value", () => {
    const ticks = valueAxisTicks(elements, band(1));
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    // Series indices run over the whole document: the bar panel's two series come first.
    const points: [number, number, number][] = [[2, 1, 6], [3, 0, 120], [3, 1, 165.8], [3, 2, 40]];
    for (const [series, data, value] of points) {
      const point = mark(series, data);
      if (!point) throw new Error(`no point for series ${series} item ${data}`);
      expect(Math.abs(translation(point).y - yOnAxis(ticks, value))).toBeLessThanOrEqual(1.5);
    }
  });

  it("keeps every legend below its panel's title", () => {
    for (const [i, p] of panels.entries()) {
      const title = textNamed(p.title, i);
      if (!title) throw new Error(`no title for panel ${i}`);
      const titleBottom = textCentreY(title) + fontSize(title) / 2;
      for (const s of p.series) {
        const entry = textNamed(s.name, i);
        if (!entry) throw new Error(`no legend entry ${s.name} in panel ${i}`);
        expect(textCentreY(entry) - fontSize(entry) / 2).toBeGreaterThan(titleBottom);
      }
    }
  });

  it("renders the same panels to the same document every time", () => {
    expect(svgDocument(panels, { panelHeight: PANEL_HEIGHT })).toBe(svg);
  });
});
