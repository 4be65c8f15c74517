import { randomBase62, sha256Hex } from "./crypto";

/**
 * API keys look like `tfk_<8 char id>_<32 char secret>`. The part before the secret is the
 * prefix an operator sees in listings; the whole key is hashed (SHA-256) for storage.
 * 32 base62 characters carry ~190 bits, so a fast hash is enough (no password stretching).
 */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const prefix = `tfk_${randomBase62(8)}`;
  const key = `${prefix}_${randomBase62(32)}`;
  return { key, prefix, hash: await sha256Hex(key) };
}

export const API_KEY_PATTERN = /^tfk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/;

/** The part of a well-formed key that is stored in clear (`tfk_<8 id>`). */
export function keyPrefixOf(key: string): string {
  return key.slice(0, "tfk_".length + 8);
}
