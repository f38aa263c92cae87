#!/usr/bin/env node
/** `npm test`: unit + integration (vitest), then the browser tests (Playwright, production build). */
import { spawnSync } from "node:child_process";

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env } });
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const node = process.execPath;
step("prisma clients", node, ["scripts/generate-prisma.mjs"]);
step("nginx", node, ["scripts/ensure-nginx.mjs"]);
step("unit + integration tests", node, ["node_modules/vitest/vitest.mjs", "run"]);
step("chromium", node, ["scripts/ensure-chromium.mjs"]);
step("next build", node, ["node_modules/next/dist/bin/next", "build"]);
step("end-to-end tests (Playwright)", node, ["node_modules/@playwright/test/cli.js", "test"]);
console.log("\n✓ all tests passed");
