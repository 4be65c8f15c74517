/**
 * Reading counters off the Prometheus text of `/metrics`: the sum of a metric's samples whose
 * labels pass a filter. Pure, unit-tested; the scenarios fetch the text (scenarios/api.mjs).
 */
export type Labels = Record<string, string>;

/** Sum of `name`'s samples whose labels pass `where`; undefined when none is there. */
export function sumMetric(text: string, name: string, where: (labels: Labels) => boolean = () => true): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    const sample = parseSample(line);
    if (sample?.name !== name || !where(sample.labels)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

function parseSample(line: string): { name: string; labels: Labels; value: number } | undefined {
  const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match || line.startsWith("#")) return undefined;
  const labels: Labels = {};
  for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) if (key !== undefined && value !== undefined) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return { name: match[1] ?? "", labels, value: Number(match[3]) };
}
