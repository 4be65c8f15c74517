import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unitProject } from "./vitest.unit.config";

// Two projects: pure algorithms run in plain Node; everything touching Workers APIs runs
// inside workerd against a local D1 built from the real migrations.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  // FUZZ_SEED / FUZZ_REQUESTS in the shell replay or resize test/worker/fuzz.test.ts.
  const fuzzOverrides = Object.fromEntries(["FUZZ_SEED", "FUZZ_REQUESTS"].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  return {
    test: {
      projects: [
        unitProject,
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: "test-admin-token", FAULT_INJECTION: "on", ...fuzzOverrides },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["test/worker/apply-migrations.ts"],
          },
        },
        // Sharding needs a controller past ADMISSION_CONTROLLER_TARGET_RPS; the Durable Objects
        // read their vars from this env (not from a test's), so these tests get one of their own
        // with the target lowered to a load a test can make, and probes every second.
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: "test-admin-token", FAULT_INJECTION: "on", ADMISSION_CONTROLLER_TARGET_RPS: "5", HEALTH_CHECK_INTERVAL: "1000" },
              },
            }),
          ],
          test: {
            name: "workers-sharded",
            include: ["test/worker-sharded/**/*.test.ts"],
            setupFiles: ["test/worker/apply-migrations.ts"],
          },
        },
      ],
    },
  };
});
