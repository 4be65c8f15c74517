// Scenario 5, integrity: after every other scenario, each 201 the benchmark received must
// name a row that exists in D1 exactly once, and no request answered 429/503 may have
// written one. D1 is read directly (wrangler d1 execute on the run's state) with the
// server stopped, so the check does not depend on the API it is checking.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../lib/launcher.mjs";
import { checkIntegrity, integrityOk } from "./integrity-check.ts";

export const id = "integrity";
export const title = "5. Integrity: every 201 in D1 exactly once, no phantom writes";

/** Runs SQL against the run's local D1 with wrangler, independent of the API (the server must be stopped). */
export function queryD1(persistTo, sql) {
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), "d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: 120_000, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (r.status !== 0) throw new Error(`wrangler d1 execute failed: ${r.stderr || r.stdout}`);
  const out = r.stdout;
  return JSON.parse(out.slice(out.indexOf("[")))[0]?.results ?? [];
}

/** @param {import("./context.mjs").BenchContext} ctx */
export async function run(ctx) {
  if (!ctx.taskflow.prepared) throw new Error("no TaskFlow scenario ran in this run, so there is nothing to check");
  await ctx.taskflow.stop(); // no writes in flight while we count
  const prefix = `${ctx.runId}|`;
  const rows = queryD1(ctx.taskflow.persistTo, `SELECT title, id FROM tasks WHERE title LIKE '${prefix.replaceAll("'", "''")}%'`);
  const r = checkIntegrity(ctx.ledger.answers, rows);
  const ok = integrityOk(r);
  ctx.shared.integrityOk = ok;
  const sample = (list) => (list.length ? ` e.g. ${list.slice(0, 3).join(", ")}` : "");
  return {
    id, title, failed: !ok,
    tables: [{
      title: "Writes matched against D1",
      headers: ["POSTs answered", "201", "429/503", "rows in D1", "lost", "duplicated", "phantom", "id mismatch", "unanswered but written", "other error but written"],
      rows: [[String(ctx.ledger.answers.size), String(r.created), String(r.rejectedAnswers), String(rows.length), String(r.lost.length), String(r.duplicated.length), String(r.phantom.length), String(r.mismatched.length), String(r.unansweredWritten), String(r.failedWritten)]],
    }],
    targets: [
      { id: "integrity.lost", description: `zero lost writes${sample(r.lost)}`, value: r.lost.length + r.mismatched.length, op: "==", threshold: 0, unit: "" },
      { id: "integrity.duplicated", description: `zero duplicated writes${sample(r.duplicated)}`, value: r.duplicated.length, op: "==", threshold: 0, unit: "" },
      { id: "integrity.phantom", description: `zero phantom writes (rejected or never-sent requests)${sample(r.phantom)}`, value: r.phantom.length, op: "==", threshold: 0, unit: "" },
    ],
    notes: [
      "Every POST /v1/tasks the benchmark sent carried a unique title token; rows are matched by token and by the id in the 201 body.",
      "Requests the client gave up on (timeout) may legitimately have written; they are counted, not judged.",
    ],
    charts: [],
    data: r,
  };
}
