declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Fuzz run overrides, passed through from the environment by vitest.config.ts. */
    FUZZ_SEED?: string;
    FUZZ_REQUESTS?: string;
  }
}

/** Vite's `?raw` imports: a file's text, used to test the shipped config files. */
declare module "*?raw" {
  const text: string;
  export default text;
}
