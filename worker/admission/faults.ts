import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { faultsOf } from "../chaos/chaos-step";
import { ApiError, PROBLEMS, type ProblemCode } from "../errors";

/**
 * Envoy-style fault injection (DESIGN.md section 2), only when FAULT_INJECTION is on; the
 * headers are read and validated before admission (chaos-faults.ts). Runs inside the admitted
 * section: a delay holds the slot as a slow database would, and an abort fails the handler
 * after admission.
 */
export async function injectFaults(c: Context<AppEnv>): Promise<void> {
  const { delayMs, abortStatus } = faultsOf(c);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (abortStatus === undefined) return;
  const code = (Object.keys(PROBLEMS) as ProblemCode[]).find((k) => PROBLEMS[k].status === abortStatus) ?? (abortStatus >= 500 ? "internal" : "invalid_input");
  throw new InjectedFault(code, abortStatus);
}

/**
 * An injected failure keeps the exact status asked for, even one without a named problem; a
 * 429 or 503 says when to come back, as every 429 and 503 does (section 2).
 */
export class InjectedFault extends ApiError {
  constructor(
    code: ProblemCode,
    private readonly injectedStatus: number,
  ) {
    super(code, `Injected fault (X-Fault-Abort: ${injectedStatus})`, injectedStatus === 429 || injectedStatus === 503 ? { headers: { "retry-after": "1" } } : {});
  }
  override get status(): number {
    return this.injectedStatus;
  }
}
