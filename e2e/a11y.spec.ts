import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { AppServer, freePort } from "./server";

/**
 * Accessibility (axe-core: no serious or critical violations) on the landing,
 * room and replay pages, and the screenshots the README shows, desktop and phone.
 */
let app: AppServer;
test.beforeAll(async () => {
  app = new AppServer(await freePort());
  await app.start();
  mkdirSync("docs/screenshots", { recursive: true });
});
test.afterAll(async () => {
  await app?.stop();
});

const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

async function synced(page: Page) {
  await expect
    .poll(async () => page.evaluate(() => (window as unknown as { __backbeat?: { syncSamples: number } }).__backbeat?.syncSamples ?? 0), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(5);
}

for (const [device, viewport] of Object.entries(VIEWPORTS)) {
  test(`landing, room and replay pages are accessible and look right (${device})`, async ({ browser }) => {
    const ctxA = await browser.newContext({ viewport, reducedMotion: "reduce" });
    const ctxB = await browser.newContext({ viewport });
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();

    await a.goto(`${app.url}/`);
    await expect(a.getByRole("button", { name: "Create room" })).toBeVisible();
    await expectAccessible(a, "landing");
    await a.screenshot({ path: `docs/screenshots/landing-${device}.png`, fullPage: true });

    // Every landing control is reachable by keyboard.
    await a.keyboard.press("Tab");
    await a.keyboard.press("Tab");
    await expect(a.getByLabel("Your name")).toBeFocused();
    await a.keyboard.type("Ada");
    await a.keyboard.press("Enter");
    await expect(a).toHaveURL(/\/room\//);
    await synced(a);
    await b.goto(a.url());
    await b.getByLabel("Your name").fill("Bo");
    await b.getByRole("button", { name: "Join room" }).click();
    await synced(b);
    await expect(a.getByRole("listitem").filter({ hasText: "Bo" })).toBeVisible();
    await a.getByRole("button", { name: "Start recording" }).click();
    for (const key of ["x", "s", "c", "s", "x", "x", "c", "s"]) {
      await a.keyboard.press(key);
      await b.keyboard.press(key === "x" ? "v" : "d");
      await a.waitForTimeout(120);
    }
    await expectAccessible(a, "room");
    await a.screenshot({ path: `docs/screenshots/room-${device}.png`, fullPage: true });
    await a.getByRole("button", { name: "Stop recording" }).click();
    const link = a.getByRole("link", { name: /^Jam / }).first();
    await expect(link).toBeVisible();

    await a.goto(`${app.url}${await link.getAttribute("href")}`);
    await expect(a.getByRole("button", { name: "Play", exact: true })).toBeVisible();
    await expectAccessible(a, "replay");
    await a.screenshot({ path: `docs/screenshots/replay-${device}.png`, fullPage: true });
    await Promise.all([ctxA.close(), ctxB.close()]);
  });
}
