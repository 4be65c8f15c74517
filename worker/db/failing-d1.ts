import { wrapD1 } from "./wrap-d1";

/**
 * X-Fault-D1-Error (DESIGN.md section 10): a D1Database whose calls (first/all/run/raw, a
 * batch, exec) each throw with probability `rate`, *before* they reach D1, as a dropped
 * connection would. A failed call has done nothing: a failed batch wrote nothing.
 */

/** What an injected D1 failure throws; errors.ts answers it, like any D1 outage, 503. */
export class InjectedD1Error extends Error {
  override name = "InjectedD1Error";
  constructor() {
    super("D1_ERROR: injected fault (X-Fault-D1-Error): the call never reached D1");
  }
}

/** `db` whose every call fails with probability `rate` (0 never, 1 always); `random` is injectable for tests. */
export function failingD1(db: D1Database, rate: number, random: () => number = Math.random): D1Database {
  return wrapD1(db, async (_sql, call) => {
    if (random() < rate) throw new InjectedD1Error();
    return call();
  });
}
