import { DEFAULT_MAX_SHARDS } from "../../durable-objects/admission/shard-autoscaler";
import type { FieldError } from "../errors";

/**
 * The chaos faults of DESIGN.md section 10 and the Envoy-style delay and abort of section 2,
 * read from a tenant request's headers (only when FAULT_INJECTION is on), before admission:
 * an invalid one is a 400 that spends no budget. Pure: no Workers API, so the parsing is property-tested in Node.
 */

export const CONTROLLER_FAULTS = ["evict", "drop-release", "unavailable"] as const;
/**
 * evict: the tenant's controller is reset before the acquire (it restarts from its storage);
 * drop-release: the grant's release never reaches the controller;
 * unavailable: the acquire throws without reaching the controller.
 */
export type ControllerFault = (typeof CONTROLLER_FAULTS)[number];

/**
 * X-Fault-Shard: `<i>=down` makes every call to shard i of the request's tenant fail, as an
 * overloaded object's would, until a later `<i>=up` (the shard's injectFault RPC), so failover
 * can be measured from outside the Worker. Applied before the request's own acquire.
 */
export interface ShardFault {
  index: number;
  down: boolean;
}

export interface ChaosFaults {
  /** Probability, 0..1, that each of the request's D1 calls throws before it reaches D1. */
  d1ErrorRate: number;
  controller: ControllerFault | undefined;
  /** Telemetry flushes to the Monitor fail. */
  monitorDown: boolean;
  shard: ShardFault | undefined;
  /** X-Fault-Delay-Ms (section 2): the handler starts this much later, inside its grant. */
  delayMs: number;
  /** X-Fault-Abort (section 2): the handler fails with this status after admission. */
  abortStatus: number | undefined;
}

export const NO_FAULTS: ChaosFaults = Object.freeze({ d1ErrorRate: 0, controller: undefined, monitorDown: false, shard: undefined, delayMs: 0, abortStatus: undefined });

export const CHAOS_HEADERS = {
  d1Error: "x-fault-d1-error",
  controller: "x-fault-controller",
  monitor: "x-fault-monitor",
  shard: "x-fault-shard",
  delay: "x-fault-delay-ms",
  abort: "x-fault-abort",
} as const;

export const MAX_FAULT_DELAY_MS = 10_000;

/** A whole decimal number without sign or exponent. */
const WHOLE = /^\d{1,9}$/;

/** `<shard index>=down|up`, the index in decimal without leading zeros. */
const SHARD_FAULT = /^(0|[1-9]\d{0,5})=(down|up)$/;

/** A decimal in [0, 1]: "0", "1", "0.25", ".5", "1.000"; no exponent, sign or hex. */
const RATE = /^(?:[01](?:\.\d{1,9})?|\.\d{1,9})$/;

export type ParsedFaults = { ok: true; faults: ChaosFaults } | { ok: false; errors: FieldError[] };

/** The faults a request asks for; every invalid header is reported, none half-applied. */
export function parseChaosFaults(header: (name: string) => string | undefined): ParsedFaults {
  const errors: FieldError[] = [];
  let d1ErrorRate = 0;
  const rate = header(CHAOS_HEADERS.d1Error)?.trim();
  if (rate !== undefined) {
    const value = RATE.test(rate) ? Number(rate) : Number.NaN;
    if (value >= 0 && value <= 1) d1ErrorRate = value;
    else errors.push({ path: `header.${CHAOS_HEADERS.d1Error}`, message: "must be a decimal number from 0 to 1" });
  }
  let controller: ControllerFault | undefined;
  const asked = header(CHAOS_HEADERS.controller)?.trim().toLowerCase();
  if (asked !== undefined) {
    controller = CONTROLLER_FAULTS.find((fault) => fault === asked);
    if (!controller) errors.push({ path: `header.${CHAOS_HEADERS.controller}`, message: `must be one of ${CONTROLLER_FAULTS.join(", ")}` });
  }
  const monitor = header(CHAOS_HEADERS.monitor)?.trim().toLowerCase();
  if (monitor !== undefined && monitor !== "down") errors.push({ path: `header.${CHAOS_HEADERS.monitor}`, message: "must be down" });
  let shard: ShardFault | undefined;
  const shardAsked = header(CHAOS_HEADERS.shard)?.trim().toLowerCase();
  if (shardAsked !== undefined) {
    const match = SHARD_FAULT.exec(shardAsked);
    const index = Number(match?.[1]);
    if (match && index < DEFAULT_MAX_SHARDS) shard = { index, down: match[2] === "down" };
    else errors.push({ path: `header.${CHAOS_HEADERS.shard}`, message: `must be <index>=down or <index>=up, the index 0..${DEFAULT_MAX_SHARDS - 1}` });
  }
  let delayMs = 0;
  const delay = header(CHAOS_HEADERS.delay)?.trim();
  if (delay !== undefined) {
    const ms = WHOLE.test(delay) ? Number(delay) : Number.NaN;
    if (ms <= MAX_FAULT_DELAY_MS) delayMs = ms;
    else errors.push({ path: `header.${CHAOS_HEADERS.delay}`, message: `must be an integer 0..${MAX_FAULT_DELAY_MS}` });
  }
  let abortStatus: number | undefined;
  const abort = header(CHAOS_HEADERS.abort)?.trim();
  if (abort !== undefined) {
    const status = WHOLE.test(abort) ? Number(abort) : Number.NaN;
    if (status >= 400 && status <= 599) abortStatus = status;
    else errors.push({ path: `header.${CHAOS_HEADERS.abort}`, message: "must be an integer 400..599" });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, faults: { d1ErrorRate, controller, monitorDown: monitor === "down", shard, delayMs, abortStatus } };
}
