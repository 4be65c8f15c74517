/** The total of `values` (0 for none): shared by the governor's and the monitor's pure modules. */
export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
