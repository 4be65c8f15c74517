import { AimdLimit } from "./aimd";
import type { LimitAlgorithm } from "../contracts/admission";
import { Gradient2Limit } from "./gradient2";
import type { Limit, LimitBounds, LimitSnapshot } from "./limit";

export const DEFAULT_LIMIT_ALGORITHM: LimitAlgorithm = "gradient2";

/**
 * Builds the named limit. A snapshot of the same algorithm restores it whole; a snapshot of
 * another algorithm (config swapped) still carries the learned limit over, so a swap does
 * not reset the tenant to its initial limit.
 */
export function createLimit(algorithm: LimitAlgorithm, bounds: LimitBounds, snapshot?: LimitSnapshot): Limit {
  switch (algorithm) {
    case "gradient2":
      return snapshot?.algorithm === "gradient2"
        ? new Gradient2Limit(bounds, {}, snapshot)
        : new Gradient2Limit(bounds, snapshot ? { initialLimit: snapshot.limit } : {});
    case "aimd":
      // AIMD's state is its estimate alone, so any snapshot's limit restores it whole.
      return new AimdLimit(bounds, snapshot ? { initialLimit: snapshot.limit } : {});
  }
}
