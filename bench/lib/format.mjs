// Plain-text and Markdown tables.
import { fmt } from "./stats.ts";

/** @param {string[]} headers @param {(string|number)[][]} rows */
export function textTable(headers, rows) {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** @param {string[]} headers @param {(string|number)[][]} rows */
export function mdTable(headers, rows) {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : String(c).replaceAll("|", "\\|"))));
  return [`| ${headers.join(" | ")} |`, `|${headers.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...cells.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
