// Reads a rendered chart back as positioned elements, so tests can compare where a mark is
// drawn with where its axis says its value lies.
import { XMLParser } from "fast-xml-parser";
import svgpath from "svgpath";

export interface SvgElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
}

/** Every element of the document in document order, with its attributes and direct text. */
export function svgElements(svg: string): SvgElement[] {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: true, parseAttributeValue: false, parseTagValue: false });
  const out: SvgElement[] = [];
  const walk = (nodes: unknown): void => {
    if (!Array.isArray(nodes)) return;
    for (const node of nodes as Record<string, unknown>[]) {
      const name = Object.keys(node).find((k) => k !== ":@" && k !== "#text");
      if (!name) continue;
      const children = node[name];
      const attrs = (node[":@"] ?? {}) as Record<string, string>;
      const text = Array.isArray(children) ? children.map((c: Record<string, unknown>) => String(c["#text"] ?? "")).join("") : "";
      out.push({ name, attrs, text });
      walk(children);
    }
  };
  walk(parser.parse(svg));
  return out;
}

/** The translation part of an element's transform (translate(x y) or matrix(a,b,c,d,e,f)). */
export function translation(el: SvgElement): { x: number; y: number } {
  const t = el.attrs.transform ?? "";
  const nums = (t.match(/-?\d*\.?\d+(?:e-?\d+)?/g) ?? []).map(Number);
  if (t.startsWith("translate")) return { x: nums[0] ?? 0, y: nums[1] ?? 0 };
  if (t.startsWith("matrix")) return { x: nums[4] ?? 0, y: nums[5] ?? 0 };
  return { x: 0, y: 0 };
}

/** Vertical centre of a text element (ECharts sets dominant-baseline: central). */
export function textCentreY(el: SvgElement): number {
  return translation(el).y + Number(el.attrs.y ?? 0);
}

export function fontSize(el: SvgElement): number {
  return Number(/font-size:\s*([\d.]+)px/.exec(el.attrs.style ?? "")?.[1] ?? Number.NaN);
}

/** Top and bottom of a path's corners in document coordinates. */
export function pathVerticalExtent(el: SvgElement): { top: number; bottom: number } {
  const ys: number[] = [];
  svgpath(el.attrs.d ?? "")
    .transform(el.attrs.transform ?? "")
    .abs()
    .unshort()
    .iterate((segment) => {
      if (segment[0] === "M" || segment[0] === "L") ys.push(segment[2]);
    });
  return { top: Math.min(...ys), bottom: Math.max(...ys) };
}

/** The value axis's tick labels ("10,000" → 10000) with the y they are drawn at. */
export function valueAxisTicks(elements: SvgElement[], band: { from: number; to: number }): { value: number; y: number }[] {
  return elements
    .filter((e) => e.name === "text" && e.attrs["text-anchor"] === "end" && /^-?[\d,]+(\.\d+)?$/.test(e.text))
    .map((e) => ({ value: Number(e.text.replaceAll(",", "")), y: textCentreY(e) }))
    .filter((t) => t.y >= band.from && t.y < band.to);
}

/** Where value v lies on an axis, interpolated between its lowest and highest ticks. */
export function yOnAxis(ticks: { value: number; y: number }[], v: number): number {
  const sorted = [...ticks].sort((a, b) => a.value - b.value);
  const lo = sorted[0], hi = sorted.at(-1);
  if (!lo || !hi || lo.value === hi.value) throw new Error("an axis needs two distinct ticks");
  return lo.y + ((v - lo.value) / (hi.value - lo.value)) * (hi.y - lo.y);
}
