// The write ledger behind the integrity scenario: every POST /v1/tasks the benchmark sends
// carries a unique title token; the answer to each is noted here. After the run, the rows
// in D1 are matched against it (see integrity.mjs).
import { safeJson } from "./api.mjs";

export class Ledger {
  /** @param {string} runId */
  constructor(runId) {
    this.runId = runId;
    /** token → {status, id} @type {Map<string, {status: number, id?: string}>} */
    this.answers = new Map();
  }

  token(phase, entry, i) {
    return `${this.runId}|${phase}|${entry}|${i}`;
  }

  /** A mix-entry response hook: note the answer if the entry writes tokens. */
  note(entry, status, body, index) {
    if (!entry.token) return;
    const id = status === 201 ? safeJson(body)?.id : undefined;
    this.answers.set(entry.token(index), { status, id });
  }

  /** For runOpenModel's onResponse. */
  get onResponse() {
    return (entry, status, body, index) => this.note(entry, status, body, index);
  }
}
