/** Room helpers for the end-to-end tests: create, join, wait for clock sync, open the settings sheet. */
import { expect, type Page } from "@playwright/test";

/** the session's diagnostics (app/lib/diagnostics.ts) */
export const syncSamples = (page: Page) =>
  page.evaluate(() => (window as unknown as { __backbeat?: { syncSamples: number } }).__backbeat?.syncSamples ?? 0);

export async function synced(page: Page): Promise<void> {
  await expect.poll(() => syncSamples(page), { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
}

/** Creates a room from the landing page as `name`; resolves once in the room with the clock synced. */
export async function createRoom(page: Page, baseUrl: string, name: string): Promise<string> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page).toHaveURL(/\/room\//);
  await synced(page);
  return page.url();
}

/** Joins the room at `link` as a player or a spectator. */
export async function joinRoom(page: Page, link: string, name: string, role: "player" | "spectator" = "player"): Promise<void> {
  await page.goto(link);
  await page.getByLabel("Your name").fill(name);
  if (role === "spectator") await page.getByLabel(/Spectator/).check();
  await page.getByRole("button", { name: "Join room" }).click();
  await synced(page);
}

/** The settings sheet (app/room/[code]/SettingsSheet.tsx): kit, tempo, mode, calibration, keys, latency. */
export const settingsSheet = (page: Page) => page.getByRole("dialog", { name: "Settings" });

export async function openSettings(page: Page) {
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const sheet = settingsSheet(page);
  await expect(sheet).toBeVisible();
  return sheet;
}

export async function closeSettings(page: Page): Promise<void> {
  await settingsSheet(page).getByRole("button", { name: "Close", exact: true }).click();
  await expect(settingsSheet(page)).toBeHidden();
}
