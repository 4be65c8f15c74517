/**
 * Shares one tenant's data-version reads among the requests of an isolate, without ever giving
 * a request a version read before it arrived. Reads are numbered as they are sent; a request
 * remembers the last number sent when it arrived and shares only a read numbered after that.
 * Finding an older read in flight, it waits for it to end and looks again: by then the first
 * waiter to wake has sent the next read, in its own request (workerd runs a request's I/O only
 * in that request's context, so a read is never sent on behalf of another), and the rest
 * share it. Every request thus gets a version read after it began, so a write that completed
 * before it began is seen (D1 answers every query from its primary here; read replicas would
 * need the Sessions API's bookmarks instead). Under concurrent hits a tenant costs about one
 * version query per query time instead of one per request. A shared read that fails is not
 * shared: each request then reads on its own. Pure: no Workers API.
 */
type Read = () => Promise<number>;

interface TenantReads {
  /** Number of the last read sent. */
  sent: number;
  inFlight: { number: number; promise: Promise<number> } | undefined;
  waiting: number;
}

const settled = (p: Promise<unknown>) => p.then(
  () => undefined,
  () => undefined,
);

export class SharedVersionReads {
  private readonly tenants = new Map<string, TenantReads>();

  /** The tenant's current version, from `read` or from a read sent after this call. */
  async version(tenantId: string, read: Read): Promise<number> {
    let state = this.tenants.get(tenantId);
    if (!state) {
      state = { sent: 0, inFlight: undefined, waiting: 0 };
      this.tenants.set(tenantId, state);
    }
    const arrivedAfter = state.sent;
    state.waiting++;
    try {
      for (;;) {
        const current = state.inFlight;
        if (!current) return await this.send(tenantId, state, read);
        if (current.number > arrivedAfter) return await current.promise.catch(() => read());
        await settled(current.promise);
      }
    } finally {
      state.waiting--;
      if (state.waiting === 0 && !state.inFlight && this.tenants.get(tenantId) === state) this.tenants.delete(tenantId);
    }
  }

  /** Tenants with reads in flight or waiting: bounded by the requests running, not by the tenants seen. */
  get activeTenants(): number {
    return this.tenants.size;
  }

  private send(tenantId: string, state: TenantReads, read: Read): Promise<number> {
    const number = ++state.sent;
    const promise = read();
    state.inFlight = { number, promise };
    void settled(promise).then(() => {
      if (state.inFlight?.number === number) state.inFlight = undefined;
      if (state.waiting === 0 && !state.inFlight && this.tenants.get(tenantId) === state) this.tenants.delete(tenantId);
    });
    return promise;
  }
}
