import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/ensure-chromium.mjs";

const executablePath = findChromium();
if (!executablePath) {
  throw new Error("No Chromium found: run `node scripts/ensure-chromium.mjs` (npm test does) or set CHROMIUM_PATH.");
}

export default defineConfig({
  testDir: "e2e",
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    // Traces cost this 2-core machine ~15-20% of every test's time (the screencast and DOM
    // snapshots of every action), so they are recorded only when asked for: PW_TRACE=1 keeps the
    // trace of each failed test. A failed test always leaves a screenshot.
    trace: process.env.PW_TRACE ? "retain-on-failure" : "off",
    screenshot: "only-on-failure",
    browserName: "chromium",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--autoplay-policy=no-user-gesture-required",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-gpu",
        "--disable-quic",
        // The direct path (issue 15, e2e/direct-path.spec.ts): host ICE candidates as real addresses,
        // not mDNS names (.local), which do not resolve between two pages on one machine here.
        "--disable-features=WebRtcHideLocalIpsWithMdns",
      ],
    },
  },
});
