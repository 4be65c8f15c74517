import type { CacheStore, StoreLimits } from "./cache-store";

/**
 * CACHE_STRATEGY=adaptive: SIEVE (Zhang et al., NSDI 2024), a frequency-aware policy as
 * simple as LRU. Entries sit in one queue, newest at the head; a hit only sets the entry's
 * `visited` bit (no reordering). To make room, a hand walks from the tail towards the head,
 * clearing `visited` bits, and evicts the first entry it finds unvisited (or expired); it stays
 * where it stopped for the next eviction. An entry used again since the hand last passed it
 * survives, while keys seen once are evicted soon after they arrive: a scan of one-hit keys
 * cycles through the newest slots and leaves the working set in place, where LRU would lose it.
 *
 * Pure: no Workers API; the clock comes in `limits.now`. Written here because no package
 * fitted: `@neophi/sieve-cache` (one release) has neither expiry nor a byte bound.
 */
interface Node<V> {
  key: string;
  value: V;
  bytes: number;
  storedAt: number;
  visited: boolean;
  /** Towards the head (newer). */
  newer: Node<V> | undefined;
  /** Towards the tail (older). */
  older: Node<V> | undefined;
}

export class SieveStore<V> implements CacheStore<V> {
  private readonly nodes = new Map<string, Node<V>>();
  private head: Node<V> | undefined;
  private tail: Node<V> | undefined;
  private hand: Node<V> | undefined;
  private heldBytes = 0;

  constructor(private readonly limits: StoreLimits<V>) {}

  get size(): number {
    return this.nodes.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get(key: string): V | undefined {
    const node = this.nodes.get(key);
    if (!node) return undefined;
    if (this.expired(node)) {
      this.remove(node);
      return undefined;
    }
    node.visited = true;
    return node.value;
  }

  set(key: string, value: V): void {
    const bytes = Math.max(1, this.limits.sizeOf(key, value));
    const existing = this.nodes.get(key);
    if (bytes > this.limits.maxBytes) {
      if (existing) this.remove(existing);
      return;
    }
    if (existing) {
      this.heldBytes += bytes - existing.bytes;
      Object.assign(existing, { value, bytes, storedAt: this.limits.now(), visited: true });
      this.makeRoom(0, existing);
      return;
    }
    this.makeRoom(bytes);
    const node: Node<V> = { key, value, bytes, storedAt: this.limits.now(), visited: false, newer: undefined, older: this.head };
    if (this.head) this.head.newer = node;
    this.head = node;
    this.tail ??= node;
    this.nodes.set(key, node);
    this.heldBytes += bytes;
  }

  delete(key: string): void {
    const node = this.nodes.get(key);
    if (node) this.remove(node);
  }

  deleteWhere(matches: (value: V) => boolean): void {
    for (const node of [...this.nodes.values()]) if (matches(node.value)) this.remove(node);
  }

  /** Evicts until `incoming` more bytes and one more entry (none if `keep` is being replaced) fit. */
  private makeRoom(incoming: number, keep?: Node<V>): void {
    const extraEntry = keep ? 0 : 1;
    while (this.nodes.size > 0 && (this.nodes.size + extraEntry > this.limits.maxEntries || this.heldBytes + incoming > this.limits.maxBytes)) {
      const victim = this.pickVictim(keep);
      if (!victim) return;
      this.hand = victim.newer;
      this.remove(victim);
      this.limits.onEvict();
    }
  }

  private pickVictim(keep: Node<V> | undefined): Node<V> | undefined {
    if (this.nodes.size === (keep ? 1 : 0)) return undefined;
    let node = this.hand ?? this.tail;
    // Each pass clears visited bits, so a second pass always finds a victim.
    while (node && (node === keep || (node.visited && !this.expired(node)))) {
      if (node !== keep) node.visited = false;
      node = node.newer ?? this.tail;
    }
    return node;
  }

  private expired(node: Node<V>): boolean {
    return this.limits.now() - node.storedAt > this.limits.ttlMs;
  }

  private remove(node: Node<V>): void {
    if (this.hand === node) this.hand = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.head = node.older;
    if (node.older) node.older.newer = node.newer;
    else this.tail = node.newer;
    this.nodes.delete(node.key);
    this.heldBytes -= node.bytes;
  }
}
