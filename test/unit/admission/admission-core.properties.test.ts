import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { REQUEST_PRIORITIES, type AcquireResult, type Quota, type ReleaseOutcome, type RequestPriority } from "../../../durable-objects/contracts/admission";
import { T0, testQuota } from "./support";

type Op =
  | { kind: "acquire"; priority: RequestPriority; cost: number; deadlineIn: number }
  | { kind: "release"; pick: number; outcome: ReleaseOutcome; twice: boolean }
  | { kind: "advance"; ms: number }
  | { kind: "expire" }
  | { kind: "configure"; maxConcurrency: number; queueSize: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      priority: fc.constantFrom(...REQUEST_PRIORITIES),
      cost: fc.integer({ min: 0, max: 3 }),
      deadlineIn: fc.integer({ min: -5, max: 3000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("release" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<ReleaseOutcome>("success", "success", "success", "error", "timeout", "dropped"),
      twice: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: "expire" }) },
);

const configureArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant("configure" as const),
  maxConcurrency: fc.integer({ min: 1, max: 4 }),
  queueSize: fc.integer({ min: 0, max: 6 }),
});

const quotaArb: fc.Arbitrary<Quota> = fc
  .record({
    maxConcurrency: fc.integer({ min: 1, max: 4 }),
    queueSize: fc.integer({ min: 0, max: 6 }),
    requests: fc.integer({ min: 1, max: 20 }),
    burst: fc.integer({ min: 3, max: 10 }),
    limitAlgorithm: fc.constantFrom("gradient2" as const, "aimd" as const),
  })
  .map((q) => testQuota({ maxConcurrency: q.maxConcurrency, queueSize: q.queueSize, limitAlgorithm: q.limitAlgorithm, rateLimit: { requests: q.requests, windowMs: 1000, burst: q.burst } }));

/** Drives a core with a random workload and checks the invariants after every step. */
function simulate(quota: Quota, ops: Op[]): void {
  let now = T0;
  let tickets = 0;
  const answers = new Map<number, AcquireResult[]>();
  const waiterDeadlines = new Map<number, number>();
  const live: string[] = [];
  let grantedCost = 0;
  const costOfTicket = new Map<string, number>();
  const waiterCost = new Map<number, number>();
  let queuedBound = quota.queueSize;

  const core = new AdmissionCore({
    quota,
    now,
    newTicket: () => `t${++tickets}`,
    hooks: {
      answered: (seq, result) => {
        answers.set(seq, [...(answers.get(seq) ?? []), result]);
        if (result.granted) {
          // A waiter is never granted at or after its deadline.
          expect(now).toBeLessThan(waiterDeadlines.get(seq) ?? -Infinity);
          live.push(result.ticket);
          costOfTicket.set(result.ticket, waiterCost.get(seq) ?? 0);
          grantedCost += waiterCost.get(seq) ?? 0;
        }
      },
      leaseEnded: (lease) => {
        const i = live.indexOf(lease.ticket);
        expect(i).toBeGreaterThanOrEqual(0);
        live.splice(i, 1);
      },
    },
  });

  const check = () => {
    const state = core.state(now);
    expect(state.inflight).toBe(live.length);
    const queued = REQUEST_PRIORITIES.reduce((sum, p) => sum + state.queued[p], 0);
    expect(queued).toBeLessThanOrEqual(queuedBound);
    for (const p of REQUEST_PRIORITIES) expect(state.queued[p]).toBeGreaterThanOrEqual(0);
    // Everything that queued is either still queued or was answered exactly once.
    const answeredOnce = [...answers.values()].filter((a) => a.length === 1).length;
    expect([...answers.values()].every((a) => a.length === 1)).toBe(true);
    expect(state.decisions.queued).toBe(answeredOnce + queued);
    expect(state.tokens).toBeGreaterThanOrEqual(0);
    expect(state.tokens).toBeLessThanOrEqual(quota.rateLimit.burst + 1e-9);
  };

  for (const op of ops) {
    switch (op.kind) {
      case "acquire": {
        const outcome = core.acquire({ priority: op.priority, cost: op.cost, deadline: now + op.deadlineIn, route: "GET /v1/tasks" }, now);
        if (outcome.kind === "granted") {
          live.push(outcome.result.ticket);
          costOfTicket.set(outcome.result.ticket, op.cost);
          grantedCost += op.cost;
        } else if (outcome.kind === "queued") {
          waiterDeadlines.set(outcome.waiter.seq, outcome.waiter.deadline);
          waiterCost.set(outcome.waiter.seq, op.cost);
        }
        break;
      }
      case "release": {
        const ticket = live[op.pick % Math.max(1, live.length)];
        if (ticket === undefined) break;
        expect(core.release(ticket, { latencyMs: 20, outcome: op.outcome }, now)).toBe(true);
        if (op.twice) expect(core.release(ticket, { latencyMs: 20, outcome: op.outcome }, now)).toBe(false);
        break;
      }
      case "advance":
        now += op.ms;
        break;
      case "expire":
        core.expire(now);
        break;
      case "configure":
        core.configure({ ...quota, maxConcurrency: op.maxConcurrency, queueSize: op.queueSize }, now);
        queuedBound = op.queueSize;
        break;
    }
    check();
    // Grants never exceed what the bucket could have refilled (the quota's rate never changes here).
    expect(grantedCost).toBeLessThanOrEqual(quota.rateLimit.burst + ((now - T0) * quota.rateLimit.requests) / quota.rateLimit.windowMs + 1e-6);
  }

  // Drain: release everything, let every deadline and lease pass; counters return to zero.
  for (let guard = 0; guard < 1000 && (live.length > 0 || core.queued > 0); guard++) {
    for (const ticket of [...live]) core.release(ticket, { latencyMs: 20, outcome: "success" }, now);
    now += 100;
    core.expire(now);
  }
  now += 3_600_000;
  core.expire(now);
  check();
  expect(core.inflight).toBe(0);
  expect(core.queued).toBe(0);
  expect([...answers.keys()].sort((a, b) => a - b)).toEqual([...waiterDeadlines.keys()].sort((a, b) => a - b));
}

describe("AdmissionCore properties", () => {
  it("answers every waiter exactly once, never late, keeps counters exact and returns them to zero", () => {
    fc.assert(fc.property(quotaArb, fc.array(opArb, { minLength: 20, maxLength: 150, size: "max" }), simulate), { numRuns: 120 });
  });

  it("keeps the same invariants while the quota changes under it", () => {
    fc.assert(fc.property(quotaArb, fc.array(fc.oneof({ weight: 12, arbitrary: opArb }, { weight: 1, arbitrary: configureArb }), { minLength: 20, maxLength: 150, size: "max" }), simulate), {
      numRuns: 80,
    });
  });

  it("never holds more leases than the limit allowed when they were granted", () => {
    fc.assert(
      fc.property(quotaArb, fc.array(opArb, { minLength: 20, maxLength: 150, size: "max" }), (quota, ops) => {
        const core = new AdmissionCore({
          quota,
          now: T0,
          hooks: { leaseStarted: (lease) => expect(lease.inflightAtGrant).toBeLessThanOrEqual(core.limit) },
        });
        let now = T0;
        const live: string[] = [];
        for (const op of ops) {
          if (op.kind === "acquire") {
            const outcome = core.acquire({ priority: op.priority, cost: op.cost, deadline: now + op.deadlineIn, route: "r" }, now);
            if (outcome.kind === "granted") live.push(outcome.result.ticket);
            if (outcome.kind === "queued") void outcome.waiter.answer.then((r) => r.granted && live.push(r.ticket));
          } else if (op.kind === "release") {
            const ticket = live.splice(op.pick % Math.max(1, live.length), 1)[0];
            if (ticket) core.release(ticket, { latencyMs: 20, outcome: op.outcome }, now);
          } else if (op.kind === "advance") now += op.ms;
          else core.expire(now);
        }
      }),
      { numRuns: 60 },
    );
  });
});
