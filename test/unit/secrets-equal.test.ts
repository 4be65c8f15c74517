import { afterEach, describe, expect, it, vi } from "vitest";
import { secretsEqual } from "../../worker/lib/crypto";

/**
 * The admin token check (OWASP API2). Timing cannot be measured reliably in a test; what makes
 * the comparison constant-time can: both sides are hashed first, so the XOR loop always runs
 * over two 32-byte digests, whatever the token's length or where it differs.
 */
describe("secretsEqual", () => {
  afterEach(() => vi.restoreAllMocks());

  it("accepts only the exact secret", async () => {
    const secret = "s3cret-admin-token";
    expect(await secretsEqual(secret, secret)).toBe(true);
    for (const given of [`${secret}x`, secret.slice(0, -1), secret.toUpperCase(), `x${secret.slice(1)}`, "", "s"]) {
      expect(await secretsEqual(given, secret), given).toBe(false);
    }
    expect(await secretsEqual("", "")).toBe(false);
  });

  it("compares SHA-256 digests of both sides, never the raw strings", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");
    expect(await secretsEqual("a-much-longer-guess-than-the-secret", "short")).toBe(false);
    const hashed = digest.mock.calls.map(([algorithm, data]) => [algorithm, new TextDecoder().decode(data as Uint8Array)]);
    expect(hashed).toEqual([
      ["SHA-256", "a-much-longer-guess-than-the-secret"],
      ["SHA-256", "short"],
    ]);
  });
});
