/**
 * Playwright config for the timing benchmark (`npm run bench:e2e`): the same
 * browser and launch options as the test suite (playwright.config.ts), but its
 * own test directory, so `npm test` never runs the ~1 minute benchmark.
 */
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "e2e-bench",
  // server start + two page loads through 30 ms proxies + sync settle + 30 s of playing + analysis
  timeout: 180_000,
  reporter: [["list"]],
  use: { ...base.use, trace: "off" },
});
