// @ts-check
// `npm run test:mutation`: Stryker mutates the pure algorithm files and runs the unit project
// (plain Node, vitest.unit.config.ts) against each mutant. Not part of `npm test`: it takes minutes.
// Iterate on one file with `npm run test:mutation -- --mutate durable-objects/admission/aimd.ts`.
// Files left out run only inside workerd (test/worker/), which Stryker cannot drive per mutant;
// bench/README.md ("Mutation testing") lists them with the reason and the per-file scores.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.unit.config.ts" },
  coverageAnalysis: "perTest",
  // Vitest does not type-check, so no `// @ts-nocheck` is needed (it would also break the
  // openapi/schema.d.ts snapshot test in the sandbox).
  disableTypeChecks: false,
  mutate: [
    "durable-objects/admission/*.ts",
    // Talks to the Governor Durable Object through its stub: workerd only.
    "!durable-objects/admission/governor-link.ts",
    "durable-objects/governor/*.ts",
    "durable-objects/numeric/*.ts",
    "durable-objects/monitor/**/*.ts",
    // Runs SQL on the Monitor's SqlStorage; exercised by test/worker/ in workerd only.
    "!durable-objects/monitor/monitor-store.ts",
    "worker/admission/*.ts",
    // Hono middleware and Durable Object stubs: exercised by test/worker/ in workerd only.
    "!worker/admission/admission-run.ts",
    "!worker/admission/admission-step.ts",
    "!worker/admission/controller.ts",
    "!worker/admission/faults.ts",
    "!worker/admission/rate-limit-peer.ts",
    // The acquire's I/O path (Hono context, Durable Object stubs, module caches); its pure parts are shard-router.ts and shard-map-cache.ts.
    "!worker/admission/shard-calls.ts",
    "!worker/admission/route-admission.ts",
    "worker/admission/balancers/*.ts",
  ],
  // Two cores shared with other work; raise locally with --concurrency on an idle machine.
  concurrency: 1,
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  tempDirName: ".stryker-tmp",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false },
  // The target is 90 % on every file; each file is there (bench/README.md, "Mutation testing",
  // has the per-file table and every survivor), so a run of the whole set fails below 90.
  thresholds: { high: 90, low: 80, break: 90 },
  // On top of 1.5 × the test time the unmutated code took: a mutant looping for ever costs this much.
  timeoutMS: 5000,
};
