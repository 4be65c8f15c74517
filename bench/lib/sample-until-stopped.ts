export interface Sampler<T> {
  /** What was read so far (grows as it goes). */
  samples: T[];
  /** Stops, waits for the read in progress, and returns every sample. */
  stop(): Promise<T[]>;
}

/**
 * Calls `read()` every `everyMs` until stopped and keeps what it returns: a scenario watching a
 * tenant's admission state while its load runs. A read that fails or returns null or undefined
 * is skipped (the state may be briefly unavailable under the very load being watched).
 */
export function sampleUntilStopped<T>(read: () => Promise<T | null | undefined>, everyMs: number): Sampler<T> {
  const samples: T[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sample = await Promise.resolve()
        .then(read)
        .catch(() => null);
      if (sample !== null && sample !== undefined) samples.push(sample);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}
