import { LRUCache } from "lru-cache";
import { keyPrefixOf } from "../lib/api-keys";
import { AuthFailureBudget, AUTH_FAILURE_BUDGET, type BudgetLane, type FailureBudgetOptions } from "./auth-failure-budget";
import { KNOWN_PREFIXES_DEFAULTS, KnownKeyPrefixes, type KnownPrefixesOptions, type PrefixSource } from "./known-key-prefixes";

/**
 * What a well-formed key this isolate has not validated must pass before it costs a D1
 * lookup (the auth cache in worker/middleware/auth.ts answers the keys it has). In order:
 * - a key a lookup found unknown or revoked in the last minute is refused from memory;
 * - a key a lookup found active in the last hour (or that this isolate issued) is looked up
 *   without spending the failure budget, so known tenants never wait behind a flood;
 * - a key whose prefix no active key has is refused from memory (KnownKeyPrefixes);
 * - anything else spends the failure budget of its client address and of the isolate
 *   (AuthFailureBudget; keys of a recently created prefix in a lane of their own), or is
 *   refused with the time until it could.
 * The lookup's outcome then comes back through `found` / `notFound`.
 */

export type GatePass =
  /** Refused without a lookup: answer 401. */
  | { kind: "refused" }
  /** Too many failed lookups from this client or this isolate: answer 429 with the wait. */
  | { kind: "over_budget"; scope: "client" | "isolate"; retryAfterMs: number }
  /** Look it up; a success returns the budget token taken for `client`. */
  | { kind: "look_up"; budgeted?: { client: string; lane: BudgetLane } };

export interface GateOptions {
  prefixes: KnownPrefixesOptions;
  budget: FailureBudgetOptions;
  maxRememberedKeys: number;
  vouchedForMs: number;
  refusedForMs: number;
}

export const GATE_DEFAULTS: GateOptions = {
  prefixes: KNOWN_PREFIXES_DEFAULTS,
  budget: AUTH_FAILURE_BUDGET,
  maxRememberedKeys: 10_000,
  vouchedForMs: 60 * 60_000,
  // Short: a key refused because this D1 read had not yet seen it (a replica behind) must
  // not stay refused for long. Revoked and never-issued keys never become valid anyway.
  refusedForMs: 60_000,
};

export class UnknownKeyGate {
  readonly prefixes: KnownKeyPrefixes;
  private readonly budget: AuthFailureBudget;
  /** Not a credential cache: it only exempts a lookup from the failure budget. */
  private readonly vouched: LRUCache<string, true>;
  private readonly refused: LRUCache<string, true>;

  constructor(
    options: GateOptions = GATE_DEFAULTS,
    private readonly now: () => number = Date.now,
    onRefreshError?: (err: unknown) => void,
  ) {
    this.prefixes = new KnownKeyPrefixes(options.prefixes, now, onRefreshError);
    this.budget = new AuthFailureBudget(options.budget, now());
    const perf = { now };
    this.vouched = new LRUCache({ max: options.maxRememberedKeys, ttl: options.vouchedForMs, ttlResolution: 0, perf });
    this.refused = new LRUCache({ max: options.maxRememberedKeys, ttl: options.refusedForMs, ttlResolution: 0, perf });
  }

  async pass(key: string, client: string, source: PrefixSource): Promise<GatePass> {
    if (this.refused.has(key)) return { kind: "refused" };
    if (this.vouched.has(key)) return { kind: "look_up" };
    const prefix = keyPrefixOf(key);
    let verdict = this.prefixes.verdict(prefix);
    if (verdict === "unknown" || verdict === "unloaded") {
      await this.prefixes.refreshIfDue(source);
      verdict = this.prefixes.verdict(prefix);
      if (verdict === "unknown") return { kind: "refused" };
    }
    // "unloaded" (no view could be loaded): the prefix proves nothing, the budget decides.
    const lane: BudgetLane = verdict === "recent" ? "recent" : "established";
    const decision = this.budget.take(client, lane, this.now());
    if (!decision.ok) return { kind: "over_budget", scope: decision.scope, retryAfterMs: decision.retryAfterMs };
    return { kind: "look_up", budgeted: { client, lane } };
  }

  found(key: string, pass: GatePass): void {
    this.vouched.set(key, true);
    if (pass.kind === "look_up" && pass.budgeted !== undefined) this.budget.refund(pass.budgeted.client, pass.budgeted.lane, this.now());
  }

  notFound(key: string): void {
    this.vouched.delete(key);
    this.refused.set(key, true);
  }

  /** A key this isolate just issued: known and vouched for at once. */
  issued(key: string): void {
    this.prefixes.add(keyPrefixOf(key));
    this.vouched.set(key, true);
  }
}
