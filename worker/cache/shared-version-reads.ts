/**
 * Shares one tenant's data-version reads among the requests of an isolate, without ever giving
 * a request a version read before it arrived: a request finding no read in flight sends one;
 * one arriving while a read is in flight waits for the *next* read, sent as soon as the current
 * one returns and shared by everyone who arrived meanwhile. Every request thus gets a version
 * read after it began, so a write that completed before it began is seen (D1 serves every query
 * from its primary here; read replicas would need the Sessions API's bookmarks instead). Under
 * concurrent hits a tenant costs about one version query per query time instead of one per
 * request. A shared read that fails is not shared: each waiter then reads on its own.
 * Pure: no Workers API.
 */
type Read = () => Promise<number>;

interface NextRead {
  /** The read of the request that started the wait: the one sent for all of them. */
  read: Read;
  promise: Promise<number>;
  settleWith(sent: Promise<number>): void;
}

function nextRead(read: Read): NextRead {
  let settle: (sent: Promise<number>) => void = () => undefined;
  const promise = new Promise<number>((resolve, reject) => {
    settle = (sent) => void sent.then(resolve, reject);
  });
  return { read, promise, settleWith: (sent) => settle(sent) };
}

export class SharedVersionReads {
  /** Tenants with a read in flight, and the read that waits to go next. */
  private readonly tenants = new Map<string, { next: NextRead | undefined }>();

  /** The tenant's current version, from `read` or from a read sent after this call. */
  version(tenantId: string, read: Read): Promise<number> {
    const state = this.tenants.get(tenantId);
    if (!state) {
      const fresh = { next: undefined };
      this.tenants.set(tenantId, fresh);
      return this.send(tenantId, fresh, read);
    }
    // The read in flight may have left before this request arrived: wait for the next one.
    state.next ??= nextRead(read);
    return state.next.promise.catch(() => read());
  }

  /** Tenants with a read in flight: bounded by the requests running, not by the tenants seen. */
  get activeTenants(): number {
    return this.tenants.size;
  }

  private send(tenantId: string, state: { next: NextRead | undefined }, read: Read): Promise<number> {
    const sent = read();
    const after = () => {
      const waiting = state.next;
      state.next = undefined;
      if (waiting) waiting.settleWith(this.send(tenantId, state, waiting.read));
      else this.tenants.delete(tenantId);
    };
    sent.then(after, after);
    return sent;
  }
}
