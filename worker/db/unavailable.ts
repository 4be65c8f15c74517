import { InjectedD1Error } from "./failing-d1";

/**
 * D1 failures that say nothing about the request, only that the database did not answer this
 * time: the messages Cloudflare's D1 documentation tells clients to retry, its overload
 * refusal, and an injected X-Fault-D1-Error. Drizzle wraps D1's error (as `cause`), so the
 * chain is searched. Constraint failures and SQL errors are not among them.
 */
const TRANSIENT = /Network connection lost|storage caused object to be reset|reset because its code was updated|D1 DB is overloaded/i;

function* causes(err: unknown): Generator<Error> {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    yield current;
    current = current.cause;
  }
}

export const isDatabaseUnavailable = (err: unknown): boolean => [...causes(err)].some((e) => e instanceof InjectedD1Error || TRANSIENT.test(e.message));

export const isInjectedD1Error = (err: unknown): boolean => [...causes(err)].some((e) => e instanceof InjectedD1Error);
