/**
 * The contract between AdmissionControllers and the ResourceGovernor (DESIGN.md section 8),
 * and the view GET /admin/governor shows. Plain types only.
 */

/** What a controller tells the governor, about once a second, piggy-backed on its traffic. */
export interface DemandReport {
  tenant: string;
  /** Epoch ms on the controller's clock. */
  at: number;
  /**
   * Concurrency the controller wants now: requests in flight (slots at work: under isolate
   * leases, only what their isolates reported running) + queued (at the controller, and in
   * isolates waiting for a slot of their leases), or the rate it wanted admitted times its
   * service time if more (a tenant refused before it queues). A root's excludes the slots it
   * reserved for its shards; each shard reports its own.
   */
  demand: number;
  /** Of which in flight (slots at work, as above): what the budget's cuts start from. */
  inflight?: number;
  /** Requests admitted per second since the previous report. */
  admittedPerSec: number;
  /** Those plus the ones refused for saturation (by its shedder or its isolates' throttles): the rate it wanted admitted (absent from older controllers: admittedPerSec). */
  wantedPerSec?: number;
  /** D1 time the tenant's requests used per second since the previous report (ms/s: its mean D1 concurrency × 1000), less the time the answers waited for the Worker's own thread. */
  dbMsPerSec: number;
  /** The D1 queries behind that time, and their summed duration: the fleet's latency signal. */
  dbQueries: number;
  dbMs: number;
  /** The quota's weight (default 1). */
  weight: number;
  /**
   * Set by a shard controller (DESIGN.md section 7), its index: the governor counts its demand,
   * in flight, admitted and wanted rates toward its tenant, not its D1 use, and the cap in the
   * reply is not for it.
   */
  shard?: number;
}

/** The governor's answer to a report: the tenant's cap on its concurrency limit. */
export interface GovernorReply {
  /** The controller's limit stays at or under this: its fair share plus its part of the idle budget, at least 1 (so a tenant can always be heard). */
  cap: number;
  /** The fleet's D1 concurrency budget this cap was cut from. */
  budget: number;
  /** The tenant's weighted max-min fair share of the rate the whole fleet admits now, by what each wants (req/s). */
  fairRatePerSec: number;
  /** What its saturation shedder multiplies the chance of passing by (over 1: served under its fair rate; under 1: over it), 1/16 to 16. */
  passScale: number;
  /**
   * False while the tenant is over-served (saturation-steering.ts): admitted well above its fair
   * rate while another tenant, heard from within the last interval, is being refused. Its
   * controller then grants no isolate lease, so its requests meet its shedder and pass scale.
   * Absent (an older governor): leases as before.
   */
  leases?: boolean;
}

export interface GovernorTenantView {
  tenant: string;
  /** Last reported demand (in flight + queued, or wanted rate × service time if more), its shards' included. */
  demand: number;
  /** Holt's forecast of the demand one report interval ahead. */
  forecast: number;
  weight: number;
  /** The weighted max-min fair share of the budget (may be 0 for an idle tenant). */
  share: number;
  /** What the controller was told: its share plus its weight's part of the budget nobody wants now, at least 1. */
  cap: number;
  admittedPerSec: number;
  wantedPerSec: number;
  /** Its fair share of the fleet's admitted rate, and the saturation pass scale that steers it there (see GovernorReply). */
  fairRatePerSec: number;
  passScale: number;
  dbMsPerSec: number;
  /** Epoch ms of its last report. */
  reportedAt: number;
}

/** GET /admin/governor */
export interface GovernorView {
  /** Global D1 concurrency budget, 1..maxBudget. */
  budget: number;
  /** DB_MAX_CONNECTIONS: the budget's ceiling. */
  maxBudget: number;
  contention: {
    /** Recent fleet D1 query latency over the no-load baseline (1 = no contention); null before any sample. */
    signal: number | null;
    /** Smoothed mean number of fleet queries in D1 at once (Little's law over their latencies); null before any sample. */
    d1Concurrency: number | null;
    /** The budget shrinks while both the signal and the D1 concurrency are above this. */
    threshold: number;
    /** Recent mean D1 query latency, ms (smoothed). */
    latencyMs: number | null;
    /** No-load baseline, ms. */
    baselineMs: number | null;
  };
  /** Sum of the tenants' demands (forecast included) the shares were cut for. */
  totalDemand: number;
  tenants: GovernorTenantView[];
  /** Epoch ms the view was taken at. */
  at: number;
}
