#!/usr/bin/env node
/**
 * `npm start`: builds the Next app when the build is missing or older than the
 * sources, then runs the production server (SQLite under ./data by default).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { SERVER_NODE_FLAGS } from "./server-flags.mjs";

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync("generated/sqlite") || !existsSync("generated/postgres")) run(["scripts/generate-prisma.mjs"]);
const buildId = ".next/BUILD_ID";
const sourcesMtime = Math.max(newestMtime("app"), newestMtime("core"), statSync("next.config.mjs").mtimeMs, statSync("package.json").mtimeMs);
if (process.env.SKIP_BUILD !== "1" && (!existsSync(buildId) || statSync(buildId).mtimeMs < sourcesMtime)) {
  console.log("Building the web app (first start or changed sources)…");
  run(["node_modules/next/dist/bin/next", "build"]);
}
const r = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, "--import", "tsx", "server/index.ts"], {
  stdio: "inherit",
  env: { ...env, NODE_ENV: "production" },
});
process.exit(r.status ?? 0);
