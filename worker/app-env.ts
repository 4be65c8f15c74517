import type { Config } from "./config";
import type { AdmissionTicket } from "./admission/admission-run";
import type { TaskReadCaches } from "./cache/task-read-caches";
import type { LoadLevel, Quota, RequestPriority } from "../durable-objects/contracts/admission";
import type { RequestOutcome } from "../durable-objects/contracts/telemetry";
import type { ChaosFaults } from "./chaos/chaos-faults";

/** The authenticated tenant of a /v1 request. */
export interface TenantContext {
  id: string;
  name: string;
  quota: Quota;
}

/** Per-request timings, filled in as the request goes and read by Server-Timing and telemetry. */
export interface RequestTimings {
  /** performance.now() / Date.now() at arrival. */
  startedAt: number;
  queueMs: number;
  dbMs: number;
  /** dbMs without the time the queries' answers waited for this isolate's thread (event-loop-lag.ts): what the resource governor reads. */
  dbMsWithoutLag: number;
  /** D1 queries the request ran (with dbMs, reported to the tenant's controller for the resource governor). */
  dbQueries: number;
}

/** Hono context typing shared by every route file. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    tenant: TenantContext;
    timings: RequestTimings;
    /** Prepared by the admission step for a route that declares admission. */
    admission: AdmissionTicket;
    /** Set by the admission run (or its pass-through while admission is off). */
    requestPriority: RequestPriority;
    loadLevel: LoadLevel;
    /** This request refreshes what others are served from under load: do the full work. */
    refresh: boolean;
    /** The isolate's caches of task reads (a test may give an app its own, as a second isolate has). */
    taskReads: TaskReadCaches;
    /** Keys of the admitted /v1 routes ("GET /v1/tasks/:id"), for checking a quota's routeCosts. */
    routeKeys: ReadonlySet<string>;
    /** The admitted routes whose declared cost is not the default 1, by key: part of every effective quota. */
    declaredRouteCosts: Readonly<Record<string, number>>;
    /** Set when admission refused the request (the handler never ran). */
    refusal: RequestOutcome;
    /** Chaos faults the request asked for (FAULT_INJECTION on only); read through faultsOf(). */
    faults: ChaosFaults;
  };
};
