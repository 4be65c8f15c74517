// Why answers were not 2xx: status and problem reason, so a table can say what refused.

/** Counts the answers that were not 2xx by status and problem reason (0 = no answer in time). */
export class FailureTally {
  counts = {};
  record = (_entry, status, body) => {
    if (status >= 200 && status < 300) return;
    const key = `${status} ${reasonOf(body)}`.trim();
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  };
  describe() {
    const parts = Object.entries(this.counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} × ${n}`);
    return parts.length ? parts.join(", ") : "none";
  }
}

function reasonOf(body) {
  try {
    const problem = JSON.parse(body ?? "");
    if (typeof problem.reason !== "string") return typeof problem.type === "string" ? problem.type.split("/").pop() : "";
    return [problem.reason, problem.reasonDetail, problem.decidedBy && `by ${problem.decidedBy}`].filter((x) => typeof x === "string").join("/");
  } catch {
    return "";
  }
}
