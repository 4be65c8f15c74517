// The Markdown result file: machine, exact command, per-scenario tables, the target list
// (met / not met with the measured value), and the chart next to it.
import { mdTable } from "./format.mjs";
import { machineLine } from "./machine.mjs";
import { evaluate, fmt } from "./stats.ts";

/** Every target of every scenario, evaluated. */
export function evaluateTargets(results) {
  return results.flatMap((r) => r.targets.map((t) => ({ scenario: r.id, ...evaluate(t) })));
}

export function targetsTable(evaluated) {
  return mdTable(
    ["target", "measured", "required", "result"],
    evaluated.map((t) => [t.description, `${fmt(t.value, 2)}${t.unit ? " " + t.unit : ""}`, `${t.op} ${t.threshold}${t.unit ? " " + t.unit : ""}`, t.status === "met" ? "✅ met" : t.status === "not met" ? "❌ not met" : "— not measured"]),
  );
}

/**
 * @param {{machine: object, command: string, started: Date, durationS: number, quick: boolean,
 *   servingPath: string, clientKind: string, results: import("../scenarios/context.mjs").ScenarioResult[], chartFile: string}} o
 */
export function markdownReport({ machine, command, started, durationS, quick, servingPath, clientKind, results, chartFile }) {
  const evaluated = evaluateTargets(results);
  const out = [
    `# TaskFlow Edge benchmark — ${started.toISOString().slice(0, 10)}${quick ? " (--quick)" : ""}`,
    "",
    `- Machine: ${machineLine(machine)}`,
    `- Command: \`${command}\``,
    `- Serving path: ${servingPath} (see scenario 1); load client: ${clientKind}, keep-alive; latency measured from each request's intended send time (open model) with hdr-histogram-js`,
    `- Started ${started.toISOString()}, took ${durationS.toFixed(0)} s${quick ? "; --quick runs every phase for a few seconds: indicative figures only" : ""}`,
    "",
    "## Targets (issue 5)",
    "",
    evaluated.length ? targetsTable(evaluated) : "_no targets evaluated_",
    "",
    `![charts](${chartFile})`,
    "",
  ];
  for (const r of results) {
    out.push(`## ${r.title}`, "");
    if (r.error) out.push(`**The scenario failed:** \`${r.error}\``, "");
    for (const t of r.tables) out.push(`**${t.title}**`, "", mdTable(t.headers, t.rows), "");
    for (const n of r.notes ?? []) out.push(`- ${n}`);
    out.push("");
  }
  return { markdown: out.join("\n"), evaluated };
}
