import type { AdmissionCore } from "./admission-core";
import type { ReleaseReport } from "../contracts/admission";
import { GOVERNOR_NAME } from "../contracts/object-names";
import { DemandReporter, type DemandNow } from "../governor/demand-reporter";

/**
 * An AdmissionController's line to the ResourceGovernor (DESIGN.md section 8). It collects
 * the D1 use its releases and lease renewals report, and at most once a second, on the
 * controller's own traffic (after an acquire or a renewal, never before an answer), sends its
 * demand in `waitUntil`; the cap in the reply goes to the core, and the pass scale to the
 * core's saturation shedder. If the governor cannot be
 * reached the cap and the scale are lifted: without it the tenant is back to its own adaptive limit, as
 * before the governor existed, rather than stuck under a cap nobody updates.
 */
export class GovernorLink {
  private readonly reporter: DemandReporter;

  constructor(
    private readonly env: Env,
    private readonly ctx: DurableObjectState,
    tenant: string,
    /** RESOURCE_GOVERNOR: off, nothing is sent and no cap is ever applied (the benchmark's A/B switch). */
    private readonly enabled = true,
    /** A shard controller's index: its reports say so, and it takes the pass scale but not the cap (its slots come from its root). */
    private readonly shard: number | null = null,
  ) {
    this.reporter = new DemandReporter(tenant);
  }

  recordRelease(report: ReleaseReport): void {
    this.reporter.recordDb(report);
  }

  recordLeaseSamples(samples: readonly ReleaseReport[]): void {
    for (const sample of samples) this.reporter.recordDb(sample);
    this.reporter.recordLeasedAdmissions(samples.length);
  }

  reportIfDue(core: AdmissionCore | undefined): void {
    if (!this.enabled || !core || !this.reporter.isDue(Date.now())) return;
    const report = this.reporter.takeIfDue(Date.now(), () => demandNowOf(core));
    if (!report) return;
    if (this.shard !== null) report.shard = this.shard;
    const governor = this.env.GOVERNOR.get(this.env.GOVERNOR.idFromName(GOVERNOR_NAME));
    this.ctx.waitUntil(
      governor.report(report).then(
        (reply) => {
          if (this.shard === null) core.setGovernorCap(reply.cap, Date.now());
          core.setSaturationScale(reply.passScale); // a reply without one (an older governor) reads as 1 there
          core.setIsolateLeasesAllowed(reply.leases !== false);
        },
        () => {
          if (this.shard === null) core.setGovernorCap(undefined, Date.now());
          core.setSaturationScale(1);
          core.setIsolateLeasesAllowed(true);
        },
      ),
    );
  }
}

/**
 * What a controller wants of D1 now, for its report. In flight counts the slots at work only:
 * a shard's slots are a reservation (each shard reports what it runs in them), and the slots
 * an isolate's lease parks are budget kept for its bursts. Counted as demand, a tenant at
 * moderate load whose lease parked three quarters of its limit wanted all of it, and a tenant
 * arriving beside it was capped at what was left (3-12 of 50; bench/README.md). Queued counts
 * the requests waiting in isolates for a slot of their leases as well as the controller's own
 * queue: without them a capped tenant's demand was what its lease let it run, the next cap
 * followed that, the next lease three quarters of it, down to a handful.
 */
export function demandNowOf(core: AdmissionCore): DemandNow {
  return {
    inflight: core.slotsAtWork,
    queued: core.queued + core.waitingInIsolates,
    admittedTotal: core.admittedTotal,
    shedTotal: core.saturationShedTotal + core.refusedInIsolatesTotal,
    serviceMs: core.serviceMs,
    weight: core.weight,
  };
}
