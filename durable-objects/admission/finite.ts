/** `n`, or 0 when it is NaN or infinite: numbers that crossed an RPC boundary are not trusted to be finite. */
export function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
