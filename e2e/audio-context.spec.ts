/**
 * The room page makes exactly one AudioContext (issue 13). The page's timing
 * reads `getOutputTimestamp()` and `outputLatency` of the context the engine
 * plays on; a second context (Tone.setContext used to make one, silent but
 * running its own render thread and clock worker) costs CPU and could be
 * mistaken for the engine's. Every AudioContext and OfflineAudioContext the
 * page constructs is counted from before its first script.
 */
import { expect, test } from "@playwright/test";
import { useAppServer } from "./support/app";

const app = useAppServer();

/** Runs in the page before any of its scripts. */
function countAudioContexts(): void {
  const made = { audio: 0, offline: 0 };
  (window as unknown as { __audioContextsMade: typeof made }).__audioContextsMade = made;
  // Proxies, not subclasses: `instanceof AudioContext` and the constructors' types stay as they were.
  window.AudioContext = new Proxy(window.AudioContext, {
    construct(target, args, newTarget) {
      made.audio++;
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  window.OfflineAudioContext = new Proxy(window.OfflineAudioContext, {
    construct(target, args, newTarget) {
      made.offline++;
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
}

test("a room page plays on one AudioContext and makes no other", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: app.url });
  await context.addInitScript(countAudioContexts);
  const page = await context.newPage();
  await page.goto("/");
  await page.getByLabel("Your name").fill("Ada");
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page).toHaveURL(/\/room\/[^/?#]+$/, { timeout: 20_000 });
  await expect(page.getByText(/Connected · clock synced/)).toBeVisible({ timeout: 20_000 });
  // Sound through every path of the first screen: pads and the metronome.
  await page.getByRole("button", { name: "Kick", exact: true }).click();
  await page.getByRole("button", { name: "Closed hi-hat" }).click();
  const metronome = page.getByRole("button", { name: "Metronome", exact: true });
  if ((await metronome.getAttribute("aria-pressed")) !== "true") await metronome.click();
  await page.waitForTimeout(500);
  const made = await page.evaluate(() => (window as unknown as { __audioContextsMade: { audio: number; offline: number } }).__audioContextsMade);
  test.info().annotations.push({ type: "measured", description: JSON.stringify(made) });
  expect(made).toEqual({ audio: 1, offline: 0 });
  await context.close();
});
