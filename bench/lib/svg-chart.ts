// SVG documents for the results folder, rendered by Apache ECharts on the server (no
// browser): line panels (sweeps) and grouped bars (scenario comparisons), one grid per
// panel stacked vertically, each with its own title, legend and axes. Axes and marks come
// from one scale, so every bar and point sits where its axis says.
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent, type GridComponentOption, type LegendComponentOption, type TitleComponentOption } from "echarts/components";
import { init, use, type ComposeOption } from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

export interface LinePanel {
  kind: "line";
  title: string;
  xLabel: string;
  yLabel: string;
  series: { name: string; points: [number, number][] }[];
}

export interface BarPanel {
  kind: "bar";
  title: string;
  yLabel: string;
  categories: string[];
  series: { name: string; values: number[] }[];
}

export type Panel = LinePanel | BarPanel;

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TitleComponentOption>;

export interface ChartSize {
  width: number;
  panelHeight: number;
}

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"];
const FONT = "system-ui, sans-serif";
const AXIS_COLOR = "#374151";

/** Vertical layout inside one panel, in pixels from the panel's top: the title, then the
 * legend on its own row below it, then the plot, then the x labels and the x-axis name. */
const TITLE_TOP = 10;
const LEGEND_TOP = 36;
const PLOT_TOP = 78;
const BELOW_PLOT = 54;
const PLOT_LEFT = 80;
const PLOT_RIGHT = 30;

/** A value label over a bar: short enough not to collide with its neighbours. */
export function compactNumber(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return `${+v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)}`;
}

/** One colour per series name across the whole document, so "admission on" is the same
 * colour in every panel that shows it. */
function colourByName(panels: readonly Panel[]): Map<string, string> {
  const colours = new Map<string, string>();
  for (const p of panels) for (const s of p.series) if (!colours.has(s.name)) colours.set(s.name, PALETTE[colours.size % PALETTE.length] ?? "#111");
  return colours;
}

const finitePoint = ([x, y]: [number, number]): boolean => Number.isFinite(x) && Number.isFinite(y);

export function chartOption(panels: readonly Panel[], { width, panelHeight }: ChartSize): ChartOption {
  const colours = colourByName(panels);
  const colour = (name: string): string => colours.get(name) ?? "#111";
  const top = (i: number): number => i * panelHeight;
  const axisLabel = { fontSize: 10, color: AXIS_COLOR };
  const axisName = { fontSize: 11, color: AXIS_COLOR };

  const series: (BarSeriesOption | LineSeriesOption)[] = panels.flatMap((p, i): (BarSeriesOption | LineSeriesOption)[] =>
    p.kind === "bar"
      ? p.series.map((s) => ({
          type: "bar",
          name: s.name,
          xAxisIndex: i,
          yAxisIndex: i,
          color: colour(s.name),
          // "-" is ECharts' marker for a missing value: no bar, no label.
          data: s.values.map((v) => (Number.isFinite(v) ? v : "-")),
          label: { show: true, position: "top", fontSize: 9, color: AXIS_COLOR, formatter: ({ value }) => compactNumber(Number(value)) },
        }))
      : p.series.map((s) => ({
          type: "line",
          name: s.name,
          xAxisIndex: i,
          yAxisIndex: i,
          color: colour(s.name),
          symbol: "circle",
          symbolSize: 5,
          lineStyle: { width: 2 },
          data: s.points.filter(finitePoint),
        })),
  );

  return {
    animation: false,
    backgroundColor: "#fff",
    textStyle: { fontFamily: FONT },
    title: panels.map((p, i) => ({ text: p.title, left: 16, top: top(i) + TITLE_TOP, textStyle: { fontSize: 14, fontWeight: 600, color: "#111" } })),
    legend: panels.map((p, i) => ({
      data: p.series.map((s) => s.name),
      left: PLOT_LEFT,
      top: top(i) + LEGEND_TOP,
      itemWidth: 14,
      itemHeight: 10,
      // ECharts estimates text widths without a font engine here; a wide gap keeps long names apart.
      itemGap: 24,
      textStyle: { fontSize: 11, color: AXIS_COLOR },
    })),
    grid: panels.map((_, i) => ({ left: PLOT_LEFT, right: PLOT_RIGHT, top: top(i) + PLOT_TOP, height: panelHeight - PLOT_TOP - BELOW_PLOT, width: width - PLOT_LEFT - PLOT_RIGHT })),
    xAxis: panels.map((p, i) =>
      p.kind === "bar"
        ? { type: "category", gridIndex: i, data: p.categories, axisLabel: { ...axisLabel, interval: 0 } }
        : { type: "value", gridIndex: i, name: p.xLabel, nameLocation: "middle", nameGap: 26, nameTextStyle: axisName, axisLabel, splitLine: { show: false } },
    ),
    yAxis: panels.map((p, i) => ({ type: "value", gridIndex: i, name: p.yLabel, nameLocation: "middle", nameGap: 56, nameTextStyle: axisName, axisLabel })),
    series,
  };
}

/** zrender numbers ids and CSS classes from process-wide counters (zr0-, zr1-…, cls-7…), so
 * the same panels would render differently the second time in a process; renumbering them
 * in order of appearance makes the output depend on the panels only, and diff cleanly. */
function stableIds(svg: string): string {
  const classes = new Map<string, number>();
  return svg
    .replace(/\bzr\d+-cls-\d+\b/g, (cls) => {
      if (!classes.has(cls)) classes.set(cls, classes.size);
      return `chart-cls-${classes.get(cls)}`;
    })
    .replace(/\bzr\d+-/g, "chart-");
}

/** Panels stacked vertically in one SVG document. */
export function svgDocument(panels: readonly Panel[], { width = 820, panelHeight = 300 }: Partial<ChartSize> = {}): string {
  const chart = init(null, null, { renderer: "svg", ssr: true, width, height: Math.max(1, panels.length) * panelHeight });
  try {
    chart.setOption(chartOption(panels, { width, panelHeight }));
    return `${stableIds(chart.renderToSVGString())}\n`;
  } finally {
    chart.dispose();
  }
}
