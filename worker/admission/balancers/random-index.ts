/** An index in [0, length) from `random()`; clamped so a generator that returns exactly 1 stays in range. */
export function randomIndex(random: () => number, length: number): number {
  return Math.min(Math.max(Math.floor(random() * length), 0), length - 1);
}
