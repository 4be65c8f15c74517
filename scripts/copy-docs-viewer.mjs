#!/usr/bin/env node
// Copies the /docs viewer (Swagger UI from the swagger-ui-dist package) into the Workers
// static assets directory, public/docs/vendor/swagger-ui (gitignored). Runs after every
// `npm install`/`npm ci` (postinstall) and again from `npm start`; safe to run any time.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];

export function copyDocsViewer(root = join(dirname(fileURLToPath(import.meta.url)), "..")) {
  const source = dirname(createRequire(join(root, "package.json")).resolve("swagger-ui-dist/package.json"));
  const target = join(root, "public", "docs", "vendor", "swagger-ui");
  mkdirSync(target, { recursive: true });
  for (const file of FILES) copyFileSync(join(source, file), join(target, file));
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyDocsViewer();
