/**
 * The beat you can see (issue 14): the beat display says which note the BPM counts (♩ in x/4,
 * ♪ in x/8), groups 6/8 as 3+3, lights its dots as the bar goes by, and a recording started with
 * a count-in shows a big 4-3-2-1 over the screen (not just "Count-in…"), gone at bar 1. Desktop
 * and a 390×844 touch phone. Screenshots into /tmp/shots-beat/ when SHOTS_DIR is set.
 */
import { expect, test, type Page } from "@playwright/test";
import { closeSettings, createRoom, openSettings } from "./support/room";
import { AppServer, freePort } from "./server";

let app: AppServer;
test.beforeAll(async () => {
  app = new AppServer(await freePort());
  await app.start();
});
test.afterAll(async () => {
  await app?.stop();
});

const shotsDir = process.env.SHOTS_DIR;

/** Starts remembering every number the count-in overlay shows, in order. */
async function watchCountIn(page: Page): Promise<void> {
  await page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid="count-in"]')!;
    const seen: string[] = [];
    (window as unknown as { __countIn: string[] }).__countIn = seen;
    new MutationObserver(() => {
      const t = el.hidden ? "" : (el.textContent ?? "");
      if (t && seen.at(-1) !== t) seen.push(t);
    }).observe(el, { childList: true, characterData: true, attributes: true, subtree: true });
  });
}
const countsSeen = (page: Page) => page.evaluate(() => (window as unknown as { __countIn: string[] }).__countIn);

async function beatScenario(page: Page, viewport: string): Promise<void> {
  await createRoom(page, app.url, "Ada");
  const display = page.getByTestId("beat-display");
  await expect(page.getByTestId("tempo-note")).toHaveText(/^♩ = \d+$/);
  await expect(display.locator("[data-group]")).toHaveCount(1);
  await expect(display.locator("[data-dot]")).toHaveCount(4);
  // the dots follow the bar
  const beats = new Set<string>();
  await expect
    .poll(
      async () => {
        beats.add((await display.getAttribute("data-beat")) ?? "");
        return ["0", "1", "2", "3"].every((b) => beats.has(b));
      },
      { timeout: 10_000, intervals: [50] },
    )
    .toBe(true);
  const box = await display.boundingBox();

  await watchCountIn(page);
  await page.getByLabel("Count-in bar").check();
  await page.getByRole("button", { name: "Start recording" }).click();
  await expect(page.getByTestId("count-in")).toBeVisible({ timeout: 5_000 });
  if (shotsDir) await page.screenshot({ path: `${shotsDir}/count-in-${viewport}.png` });
  await expect.poll(() => countsSeen(page), { timeout: 10_000 }).toEqual(["4", "3", "2", "1"]);
  await expect(page.getByTestId("count-in")).toBeHidden();
  const size = (b: { width: number; height: number } | null) => b && { width: b.width, height: b.height };
  expect(size(await display.boundingBox()), "the beat display keeps its size").toEqual(size(box));

  const sheet = await openSettings(page);
  await sheet.getByLabel("Meter", { exact: true }).selectOption("6/8");
  await closeSettings(page);
  await expect(page.getByTestId("tempo-note")).toHaveText(/^♪ = \d+$/, { timeout: 10_000 });
  await expect(display.locator("[data-group]")).toHaveCount(2);
  for (const g of await display.locator("[data-group]").all()) await expect(g.locator("[data-dot]")).toHaveCount(3);
  await expect(display).toHaveAccessibleName(/6\/8, \d+ eighth notes a minute, felt in 2 groups of 3/);
  expect(size(await display.boundingBox()), "a meter change does not resize the beat display").toEqual(size(box));
  if (shotsDir) {
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${shotsDir}/beat-68-${viewport}.png` });
  }
}

test.describe("desktop", () => {
  test.use({ viewport: { width: 1280, height: 800 } });
  test("note value, 3+3 grouping and a numbered count-in", async ({ page }) => {
    await beatScenario(page, "desktop");
  });
});

test.describe("phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  test("note value, 3+3 grouping and a numbered count-in", async ({ page }) => {
    await beatScenario(page, "phone");
  });
});
