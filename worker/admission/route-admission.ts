import type { Context } from "hono";
import type { LoadLevel, RequestPriority } from "../../durable-objects/contracts/admission";
import type { AppEnv } from "../app-env";
import type { ApiError } from "../errors";

/**
 * What a route declares about admission, in its `createRoute` beside its schemas
 * (`admission: admit("high")`), so no handler can forget it and no table of route strings
 * can drift from the real routes. The route registration (routes/route-app.ts) publishes it in
 * the OpenAPI document as `x-admission` and remembers it for the admission step.
 */
export type RouteAdmission = AdmittedRoute | { admitted: false; reason: string };

export interface AdmittedRoute {
  admitted: true;
  /** The request priority when the client names none (X-Priority / Priority). */
  priority: RequestPriority;
  /** Tokens a request takes from the tenant's bucket, unless the quota's routeCosts says otherwise. */
  cost: number;
  /** Consulted first, before asking the controller, while this isolate knows the tenant to be under load. */
  refuseUnderLoad?: UnderLoadRefusal;
  /** Then this, which may answer from memory: a route with one is never answered at the Worker's door. */
  underLoad?: UnderLoadPolicy;
}

/**
 * What a route does under load before any round trip to the controller:
 * - answer: a response from memory that needs no D1 and so no slot (never counted as admitted);
 * - refresh: admit at the given priority and do the full work (the one request that refreshes
 *   what the others are served from), so the handler must not degrade it;
 * - admit: ask the controller as usual.
 * A policy may also throw an ApiError to refuse at once.
 */
export type UnderLoadDecision = { kind: "answer"; response: Response } | { kind: "refresh"; priority: RequestPriority } | { kind: "admit" };

export type UnderLoadPolicy = (c: Context<AppEnv>, level: LoadLevel) => UnderLoadDecision;

/** What a refuse-only rule reads of a request: the same at the Worker's door (door-refusal.ts) as in the app. */
export interface RefusalView {
  query(name: string): string | undefined;
  priority: RequestPriority;
}

/** A refuse-only under-load rule: the refusal to answer with, or undefined to go on. */
export type UnderLoadRefusal = (request: RefusalView, level: LoadLevel) => ApiError | undefined;

export function admit(priority: RequestPriority, options: { cost?: number; refuseUnderLoad?: UnderLoadRefusal; underLoad?: UnderLoadPolicy } = {}): AdmittedRoute {
  const cost = options.cost ?? 1;
  if (!Number.isInteger(cost) || cost < 0) throw new Error(`a route's admission cost must be a non-negative integer, got ${cost}`);
  return {
    admitted: true,
    priority,
    cost,
    ...(options.refuseUnderLoad ? { refuseUnderLoad: options.refuseUnderLoad } : {}),
    ...(options.underLoad ? { underLoad: options.underLoad } : {}),
  };
}

/** For a /v1 route that must never wait for or spend the tenant's budget; say why. */
export function notAdmitted(reason: string): RouteAdmission {
  return { admitted: false, reason };
}

/** The route key used by quotas and telemetry: "GET /v1/tasks/:id". */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** The `x-admission` extension of an operation in the OpenAPI document. */
export function publishedAdmission(admission: RouteAdmission): { priority: RequestPriority; cost: number } | { admitted: false } {
  return admission.admitted ? { priority: admission.priority, cost: admission.cost } : { admitted: false };
}

const declared = new WeakMap<object, RouteAdmission>();

/** Remembers a registered handler's declaration (route-app.ts) for the admission step to find. */
export function declareAdmission(handler: object, admission: RouteAdmission): void {
  declared.set(handler, admission);
}

export function admissionOf(handler: object): RouteAdmission | undefined {
  return declared.get(handler);
}

/**
 * The route that will answer, from Hono's matched handlers in order: middleware (method ALL)
 * first, then the first route's validators and handler, all under one method and path. Later
 * matches (GET /v1/tasks/stats also matches /v1/tasks/:id) never run, so they do not count.
 */
export function answeringRoute<R extends { method: string; path: string }>(matched: readonly R[]): R | undefined {
  const first = matched.findIndex((r) => r.method !== "ALL");
  const head = matched[first];
  if (first < 0 || !head) return undefined;
  let answering = head;
  for (const next of matched.slice(first + 1)) {
    if (next.method !== head.method || next.path !== head.path) break;
    answering = next;
  }
  return answering;
}

/** Every declared route of an app, keyed by route key, from Hono's route table. */
export function declaredRoutes(routes: readonly { method: string; path: string; handler: object }[]): Map<string, RouteAdmission> {
  const table = new Map<string, RouteAdmission>();
  for (const route of routes) {
    const admission = admissionOf(route.handler);
    if (admission) table.set(routeKey(route.method, route.path), admission);
  }
  return table;
}
