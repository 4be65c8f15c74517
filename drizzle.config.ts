import { defineConfig } from "drizzle-kit";

// drizzle-kit writes flat NNNN_name.sql files that `wrangler d1 migrations apply` reads.
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/schema.ts",
  out: "./migrations",
  migrations: { prefix: "index" },
});
