#!/usr/bin/env node
/**
 * Makes sure a Chromium for Playwright exists. Order: CHROMIUM_PATH, /usr/bin/chromium,
 * then Debian's package via apt-get (when root or sudo works), then Playwright's own
 * installer. Fails with a clear message when none of them works.
 * Prints the executable path on the last line of stdout.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { aptInstall, run } from "./apt-install.mjs";

const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter(Boolean);

export function findChromium() {
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require("playwright-core");
    const p = chromium.executablePath();
    if (p && existsSync(p)) return p;
  } catch {
    /* playwright-core has no browser of its own yet */
  }
  return null;
}

function tryPlaywright() {
  return run(process.execPath, ["node_modules/@playwright/test/cli.js", "install", "chromium"]);
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  let path = findChromium();
  if (!path) {
    console.error("No Chromium found; trying Debian's chromium package…");
    if (aptInstall("chromium")) path = findChromium();
  }
  if (!path) {
    console.error("apt-get did not work; trying Playwright's installer…");
    if (tryPlaywright()) path = findChromium();
  }
  if (!path) {
    console.error(
      "\nERROR: no Chromium available for the end-to-end tests.\n" +
        "Install one with `sudo apt-get install -y chromium` (Debian/Ubuntu) or `npx playwright install chromium`,\n" +
        "or point CHROMIUM_PATH at a Chromium/Chrome executable.\n",
    );
    process.exit(1);
  }
  console.log(path);
}
