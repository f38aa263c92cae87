import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { useAppServer } from "./support/app";
import { closeSettings, joinRoom, openSettings } from "./support/room";

/**
 * Accessibility (axe-core: no serious or critical violations) on every page and state — landing,
 * room as a player, as a spectator, with the settings sheet open, during a battle, a private
 * room's passcode form, the replay page — on a desktop and a phone (touch), and the screenshots
 * the README shows (SCREENSHOT_DIR to write them elsewhere than docs/screenshots).
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? "docs/screenshots";
const app = useAppServer();
test.beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

const DEVICES: Record<string, BrowserContextOptions> = {
  desktop: { viewport: { width: 1280, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
};

async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

async function newPage(browser: Browser, opts: BrowserContextOptions) {
  const ctx = await browser.newContext(opts);
  return { page: await ctx.newPage(), close: () => ctx.close() };
}

for (const [device, opts] of Object.entries(DEVICES)) {
  test(`landing, room (player, spectator, settings, battle) and replay pages are accessible and look right (${device})`, async ({ browser }) => {
    test.setTimeout(180_000); // three pages and seven axe runs on a shared 2-core machine
    const A = await newPage(browser, { ...opts, reducedMotion: "reduce" });
    const B = await newPage(browser, opts);
    const C = await newPage(browser, opts);
    const [a, b, c] = [A.page, B.page, C.page];

    await a.goto(`${app.url}/`);
    await expect(a.getByRole("button", { name: "Create room" })).toBeVisible();
    await expectAccessible(a, "landing");
    await a.screenshot({ path: `${SHOTS}/landing-${device}.png`, fullPage: true });

    // Every landing control is reachable by keyboard.
    const nameField = a.getByLabel("Your name");
    for (let i = 0; i < 6 && !(await nameField.evaluate((el) => el === document.activeElement)); i++) await a.keyboard.press("Tab");
    await expect(nameField).toBeFocused();
    await a.keyboard.type("Ada");
    await a.keyboard.press("Enter");
    await expect(a).toHaveURL(/\/room\//);
    const link = a.url();
    await joinRoom(b, link, "Bo");
    await joinRoom(c, link, "Cy", "spectator");
    await expect(a.locator(".member").filter({ hasText: "Cy" })).toBeVisible();

    await a.getByRole("button", { name: "Start recording" }).click();
    for (const key of ["x", "s", "c", "s", "x", "x", "c", "s"]) {
      await a.keyboard.press(key);
      await b.keyboard.press(key === "x" ? "v" : "d");
      await a.waitForTimeout(120);
    }
    await expectAccessible(a, "room (player)");
    // The phone's room is one screen; and a full-page capture of an emulated phone briefly drops its
    // touch media features ((hover: none) stops matching), which would draw key hints on the pads.
    await a.screenshot({ path: `${SHOTS}/room-${device}.png`, fullPage: device === "desktop" });
    await expectAccessible(c, "room (spectator)");

    await openSettings(a);
    await expectAccessible(a, "room (settings sheet open)");
    await closeSettings(a);

    // A battle running: the host starts it beside the pads (desktop) or below them (phone).
    await a.getByRole("button", { name: "Start battle" }).click();
    await expect(c.getByTestId("turn-line")).toHaveText(/Battle in|turn/);
    await expectAccessible(a, "battle (player)");
    await expectAccessible(c, "battle (spectator)");

    await a.getByRole("button", { name: "Stop recording" }).click();
    const rec = a.getByRole("link", { name: /^Jam / }).first();
    await expect(rec).toBeVisible();
    await a.goto(`${app.url}${await rec.getAttribute("href")}`);
    await expect(a.getByRole("button", { name: "Play", exact: true })).toBeVisible();
    await expectAccessible(a, "replay");
    await a.screenshot({ path: `${SHOTS}/replay-${device}.png`, fullPage: true });
    await Promise.all([A.close(), B.close(), C.close()]);
  });

  test(`a private room's passcode form is accessible (${device})`, async ({ browser }) => {
    const A = await newPage(browser, opts);
    const B = await newPage(browser, opts);
    await A.page.goto(`${app.url}/`);
    await A.page.getByLabel("Your name").fill("Ada");
    await A.page.getByRole("checkbox", { name: "Private room" }).check();
    await A.page.getByLabel("Passcode").fill("groove-2024");
    await expectAccessible(A.page, "landing with a passcode");
    await A.page.getByRole("button", { name: "Create room" }).click();
    await expect(A.page).toHaveURL(/\/room\//);
    await B.page.goto(A.page.url());
    await B.page.getByLabel("Your name").fill("Bo");
    await B.page.getByRole("button", { name: "Join room" }).click();
    await expect(B.page.getByRole("form", { name: /is private/ })).toBeVisible();
    await expectAccessible(B.page, "passcode form");
    await B.page.getByRole("form", { name: /is private/ }).getByLabel("Passcode").fill("wrong-one");
    await B.page.keyboard.press("Enter");
    await expect(B.page.getByRole("form", { name: /is private/ }).getByRole("alert")).toBeVisible();
    await expectAccessible(B.page, "passcode form, wrong passcode");
    await Promise.all([A.close(), B.close()]);
  });
}
