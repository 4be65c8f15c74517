import { defineConfig } from "vitest/config";

// The unit project on its own: pure algorithms in plain Node. vitest.config.ts runs it beside
// the workerd project; Stryker (stryker.config.mjs) runs only this, once per mutant.
export const unitProject = {
  // Property tests are CPU-bound: on a busy 2-core machine some take several seconds.
  test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" as const, testTimeout: 30_000 },
};

// MUTATION_TESTS (comma-separated globs) narrows the suite while iterating on one file's
// mutants; the score that counts is the one with every unit test.
const narrowed = process.env.MUTATION_TESTS?.split(",").filter(Boolean);

// Under Stryker's instrumentation (every mutant behind a switch, coverage per test) on a shared
// machine the property tests run several times slower than their usual few hundred ms.
export default defineConfig({ test: { ...unitProject.test, include: narrowed?.length ? narrowed : unitProject.test.include, testTimeout: 60_000 } });
