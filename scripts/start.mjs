#!/usr/bin/env node
/**
 * `npm start`: builds the Next app when the build is missing or older than the
 * sources, then runs the production server (SQLite under ./data by default).
 *
 * SKIP_BUILD=1 starts the server on the existing build without checking it
 * (a deployment that built in an earlier step). SIGTERM, SIGINT and SIGHUP sent
 * to this process reach the build or the server (scripts/forward-signals.mjs):
 * the server stops gracefully and this process exits as it did, so a process
 * manager that stops `npm start` stops the app.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { exitLikeChild, runForwardingSignals } from "./forward-signals.mjs";
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

/** Runs a step; a failed or interrupted one ends `npm start` the same way. */
async function run(args) {
  const end = await runForwardingSignals(process.execPath, args, { env });
  if (end.signal || end.code !== 0) {
    exitLikeChild(end);
    await new Promise(() => undefined); // ending: no further step
  }
}

if (!existsSync("generated/sqlite") || !existsSync("generated/postgres")) await run(["scripts/generate-prisma.mjs"]);
const buildId = ".next/BUILD_ID";
const sourcesMtime = Math.max(newestMtime("app"), newestMtime("core"), statSync("next.config.mjs").mtimeMs, statSync("package.json").mtimeMs);
if (process.env.SKIP_BUILD !== "1" && (!existsSync(buildId) || statSync(buildId).mtimeMs < sourcesMtime)) {
  console.log("Building the web app (first start or changed sources)…");
  await run(["node_modules/next/dist/bin/next", "build"]);
}
exitLikeChild(await runForwardingSignals(process.execPath, [...SERVER_NODE_FLAGS, "--import", "tsx", "server/index.ts"], { env: { ...env, NODE_ENV: "production" } }));
