// Pure classification behind the integrity scenario: the benchmark's answers (the ledger)
// against the rows D1 holds. Unit-tested on its own; integrity.mjs does the I/O.

export interface Answer {
  status: number;
  id?: string;
}

export interface Row {
  title: string;
  id: string;
}

export interface IntegrityResult {
  /** 201 answers checked */
  created: number;
  /** a 201 whose id is not in D1 */
  lost: string[];
  /** an id or a request token present more than once */
  duplicated: string[];
  /** a row written by a request answered 429/503, or by no request the benchmark sent */
  phantom: string[];
  /** a row whose id differs from the id its 201 answer gave */
  mismatched: string[];
  /** rows for requests that got no answer (client timeout): legitimately either way */
  unansweredWritten: number;
  /** rows for requests answered with another error status (reported, not a target) */
  failedWritten: number;
  rejectedAnswers: number;
}

export function checkIntegrity(answers: ReadonlyMap<string, Answer>, rows: readonly Row[]): IntegrityResult {
  const byToken = new Map<string, Row[]>();
  const idCount = new Map<string, number>();
  for (const row of rows) {
    byToken.set(row.title, [...(byToken.get(row.title) ?? []), row]);
    idCount.set(row.id, (idCount.get(row.id) ?? 0) + 1);
  }
  const r: IntegrityResult = { created: 0, lost: [], duplicated: [], phantom: [], mismatched: [], unansweredWritten: 0, failedWritten: 0, rejectedAnswers: 0 };
  for (const [token, answer] of answers) {
    const written = byToken.get(token) ?? [];
    if (written.length > 1) r.duplicated.push(token);
    if (answer.status === 201) {
      r.created++;
      if (!answer.id || (idCount.get(answer.id) ?? 0) === 0) r.lost.push(token);
      else if (written.length === 1 && written[0]!.id !== answer.id) r.mismatched.push(token);
    } else if (answer.status === 429 || answer.status === 503) {
      r.rejectedAnswers++;
      if (written.length > 0) r.phantom.push(token);
    } else if (answer.status === 0) {
      if (written.length > 0) r.unansweredWritten++;
    } else if (written.length > 0) {
      r.failedWritten++;
    }
  }
  for (const [token] of byToken) if (!answers.has(token)) r.phantom.push(token);
  for (const [id, n] of idCount) if (n > 1) r.duplicated.push(`id ${id}`);
  return r;
}

export function integrityOk(r: IntegrityResult): boolean {
  return r.lost.length === 0 && r.duplicated.length === 0 && r.phantom.length === 0 && r.mismatched.length === 0;
}
