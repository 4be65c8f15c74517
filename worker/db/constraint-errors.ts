/** D1 reports constraint failures as errors whose message (or cause's message) names them. */
function messages(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(" | ");
}

export const isUniqueViolation = (err: unknown): boolean => /UNIQUE constraint failed/i.test(messages(err));
export const isForeignKeyViolation = (err: unknown): boolean => /FOREIGN KEY constraint failed/i.test(messages(err));
/** The idempotency claim guard (migration 0003) names its constraint; any other CHECK is `batch_guard`'s. */
export const isIdempotencyClaimLost = (err: unknown): boolean => /CHECK constraint failed: idempotency_claim_held/i.test(messages(err));
export const isBatchGuardViolation = (err: unknown): boolean => /CHECK constraint failed/i.test(messages(err)) && !isIdempotencyClaimLost(err);
