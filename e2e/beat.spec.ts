/**
 * The beat you can see (issue 14): the beat display says which note the BPM counts (♩ in x/4,
 * ♪ in x/8), groups 6/8 as 3+3, lights its dots as the bar goes by, and a recording started with
 * a count-in shows a big 4-3-2-1 over the screen (not just "Count-in…"), gone at bar 1. Desktop
 * and a 390×844 touch phone. Screenshots into /tmp/shots-beat/ when SHOTS_DIR is set.
 *
 * And the light is in time with the click as HEARD: with a long output path (latencyHint 0.1 s, a
 * phone or a Bluetooth headset) the page's output is tapped (bench/audio-tap.ts) and every beat
 * the display lights is compared with the click's onset at the speaker. A display lit when the
 * click is handed to the engine, or on currentTime, would light a whole output path early.
 */
import { expect, test, type Page } from "@playwright/test";
import { heardOnsets, outputPathMs, engineContext } from "../bench/audible";
import { preparePlayer, readTap, startTap } from "../bench/room-pages";
import { closeSettings, createRoom, openSettings } from "./support/room";
import { useAppServer } from "./support/app";

const app = useAppServer();

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

test("a beat lights when its click is heard, with a long output path", async ({ browser }) => {
  // bypassCSP: the tap's worklet module is a blob: URL, which the app's CSP (rightly) refuses
  const ctx = await browser.newContext({ baseURL: app.url, bypassCSP: true, viewport: { width: 1280, height: 800 } });
  await preparePlayer(ctx, { latencyHint: 0.1, tap: true });
  const page = await ctx.newPage();
  await createRoom(page, app.url, "Ada");
  await startTap(page);
  await page.waitForTimeout(1_000); // clock pairs for the tap's line
  // every change of the lit beat, on this machine's epoch clock (the tap's onsets are put on it too)
  await page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('[data-testid="beat-display"]')!;
    const lit: number[] = [];
    (window as unknown as { __lit: number[] }).__lit = lit;
    new MutationObserver(() => {
      if (el.dataset.beat !== "-1") lit.push(performance.timeOrigin + performance.now());
    }).observe(el, { attributes: true, attributeFilter: ["data-beat"] });
  });
  await page.waitForTimeout(4_000);
  const lit = await page.evaluate(() => (window as unknown as { __lit: number[] }).__lit);
  const cap = await readTap(page);
  const onsets = heardOnsets(cap).map((o) => o.atMs);
  const pathMs = outputPathMs(engineContext(cap));
  // each light against the click heard nearest to it (clicks are ≥ 500 ms apart at ≤ 120 BPM)
  const diffs = lit
    .filter((t) => t > onsets[0]! - 100 && t < onsets.at(-1)! + 100)
    .map((t) => onsets.reduce((best, o) => (Math.abs(t - o) < Math.abs(best) ? t - o : best), Infinity));
  const summary = `output path ${pathMs.toFixed(1)} ms; light − click heard (ms): ${diffs.map((d) => d.toFixed(1)).join(", ")}`;
  test.info().annotations.push({ type: "light vs heard", description: summary });
  expect(pathMs, `a long output path; ${summary}`).toBeGreaterThan(50);
  expect(diffs.length, `enough beats; ${summary}`).toBeGreaterThanOrEqual(5);
  // never before the click is heard; within a frame or two after it (requestAnimationFrame)
  for (const d of diffs) expect(d, summary).toBeGreaterThan(-5);
  for (const d of diffs) expect(d, summary).toBeLessThan(40);
  await ctx.close();
});
