#!/usr/bin/env node
// node bench/tools/compare-serving.mjs [--duration 8] [--concurrency 32] [--rate 1500]
// Prints the serving-path and HTTP-client comparisons that decided the bench's defaults.
import { parseArgs } from "node:util";
import { compareClients, compareServingPaths } from "../lib/serving-compare.mjs";
import { SERVING_PATHS } from "../lib/launcher.mjs";

const { values } = parseArgs({ options: { duration: { type: "string", default: "8" }, concurrency: { type: "string", default: "32" }, rate: { type: "string", default: "1500" }, "skip-clients": { type: "boolean", default: false }, paths: { type: "string", default: SERVING_PATHS.join(",") } } });
const durationMs = Number(values.duration) * 1000;
console.log(`serving paths, trivial Worker, closed model, ${values.concurrency} connections, ${values.duration}s each:`);
const paths = await compareServingPaths({ paths: values.paths.split(","), concurrency: Number(values.concurrency), durationMs, warmupMs: 1000, log: console.log });
let clients = [];
if (!values["skip-clients"]) {
  console.log(`\nHTTP clients, open model at ${values.rate} req/s against bare workerd, ${values.duration}s each:`);
  clients = await compareClients({ serverPath: "workerd", kinds: ["undici-pool", "node-http", "fetch"], rate: Number(values.rate), durationMs, connections: 64, log: console.log });
}
console.log("\n" + JSON.stringify({ paths, clients }, null, 1));
