import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, PROBLEMS, type ProblemCode } from "../errors";

const MAX_FAULT_DELAY_MS = 10_000;

/**
 * Envoy-style fault injection (DESIGN.md section 2), only when FAULT_INJECTION is on.
 * Runs inside the admitted section: a delay holds the slot as a slow database would, and
 * an abort fails the handler after admission.
 */
export async function injectFaults(c: Context<AppEnv>): Promise<void> {
  if (!c.get("config").faultInjection) return;
  const delay = c.req.header("x-fault-delay-ms");
  if (delay !== undefined) {
    const ms = Number(delay);
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FAULT_DELAY_MS) {
      throw new ApiError("invalid_input", `X-Fault-Delay-Ms must be an integer 0..${MAX_FAULT_DELAY_MS}`, {
        errors: [{ path: "header.x-fault-delay-ms", message: `must be an integer 0..${MAX_FAULT_DELAY_MS}` }],
      });
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
  const abort = c.req.header("x-fault-abort");
  if (abort !== undefined) {
    const status = Number(abort);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new ApiError("invalid_input", "X-Fault-Abort must be an HTTP status 400..599", {
        errors: [{ path: "header.x-fault-abort", message: "must be an integer 400..599" }],
      });
    }
    const code = (Object.keys(PROBLEMS) as ProblemCode[]).find((k) => PROBLEMS[k].status === status) ?? (status >= 500 ? "internal" : "invalid_input");
    throw new InjectedFault(code, status);
  }
}

/** An injected failure keeps the exact status asked for, even one without a named problem. */
export class InjectedFault extends ApiError {
  constructor(
    code: ProblemCode,
    private readonly injectedStatus: number,
  ) {
    super(code, `Injected fault (X-Fault-Abort: ${injectedStatus})`);
  }
  override get status(): number {
    return this.injectedStatus;
  }
}
