import type { Balancer, ShardCandidate, ShardId } from "../../../worker/admission/balancers/balancer";

export const T0 = 1_700_000_000_000;

/** Candidates of equal weight, in the order given. */
export function shards(...ids: ShardId[]): ShardCandidate[] {
  return ids.map((id) => ({ id, weight: 1 }));
}

/** A deterministic generator in [0, 1) (mulberry32), so simulations repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `random` that returns the given values in turn, then fails loudly if asked for more. */
export function scripted(...values: number[]): () => number {
  let next = 0;
  return () => {
    const value = values[next++];
    if (value === undefined) throw new Error(`random() called more than ${values.length} times`);
    return value;
  };
}

export function picks(balancer: Balancer, candidates: readonly ShardCandidate[], count: number, random: () => number = Math.random): (ShardId | undefined)[] {
  return Array.from({ length: count }, () => balancer.pick(candidates, T0, random));
}

export interface ClosedLoop {
  candidates: readonly ShardCandidate[];
  /** Mean service time of a shard; each call takes it x a uniform factor in [0.8, 1.2). */
  latencyMs: (shard: ShardId) => number;
  clients: number;
  durationMs: number;
  seed: number;
}

/**
 * Closed-loop load: every client sends a request, waits for its answer, and sends the next at
 * once, so the in-flight counts the balancer sees are the ones its own choices produced.
 * Returns how many calls each shard received.
 */
export function simulateClosedLoop(balancer: Balancer, loop: ClosedLoop): Map<ShardId, number> {
  const random = seededRandom(loop.seed);
  const received = new Map<ShardId, number>();
  const send = (now: number) => {
    const shard = balancer.pick(loop.candidates, now, random);
    if (shard === undefined) throw new Error("no shard picked");
    balancer.onStart(shard, now);
    received.set(shard, (received.get(shard) ?? 0) + 1);
    return { shard, startedAt: now, endsAt: now + loop.latencyMs(shard) * (0.8 + 0.4 * random()) };
  };
  const calls = Array.from({ length: loop.clients }, (_, i) => send(T0 + i));
  for (;;) {
    const next = calls.reduce((soonest, call, i) => (call.endsAt < (calls[soonest]?.endsAt ?? Infinity) ? i : soonest), 0);
    const call = calls[next];
    if (call === undefined || call.endsAt > T0 + loop.durationMs) return received;
    balancer.onEnd(call.shard, { latencyMs: call.endsAt - call.startedAt, ok: true }, call.endsAt);
    calls[next] = send(call.endsAt);
  }
}

export function share(received: Map<ShardId, number>, shard: ShardId): number {
  const total = [...received.values()].reduce((sum, n) => sum + n, 0);
  return (received.get(shard) ?? 0) / total;
}
