/**
 * The mix (issue 14): a muted partner is silent at this device's output, and the mix survives a
 * reload. The listener's engine output stage is tapped (bench/audio-tap.ts, as e2e/audible.spec.ts
 * does): every onset that reaches the speaker is counted, whatever produced it.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { heardOnsets } from "../bench/audible";
import { STEADY_16THS } from "../bench/audible-rhythms";
import { playHitsInPage, preparePlayer, readTap, startTap } from "../bench/room-pages";
import { useAppServer } from "./support/app";
import { createRoom, joinRoom, syncSamples } from "./support/room";

/** the accented kicks and snares, 600 ms apart: each one a clear onset (a soft hat in a kick's ring may not be) */
const HITS = STEADY_16THS.hits.filter((h) => h.accent).slice(0, 6);

const app = useAppServer();

const shotsDir = process.env.SHOTS_DIR;
const mix = (page: Page) => page.getByRole("region", { name: "Mix" });

/**
 * Ada plays HITS; resolves once the listener logged them all and their sound is over, with how
 * many of them the listener played (a hit that would be heard too late is skipped: right after a
 * reload the partner's playout delay is still being learnt).
 */
async function partnerPlays(a: Page, b: Page, partnerId: string): Promise<number> {
  const remote = () =>
    b.evaluate(
      (id) => (window as unknown as { __backbeat: { hits: { kind: string; from: string; skipped: boolean }[] } }).__backbeat.hits.filter((h) => h.kind === "remote" && h.from === id),
      partnerId,
    );
  const before = (await remote()).length;
  await a.evaluate(playHitsInPage, { startTrueMs: Date.now() + 300, hits: HITS });
  await expect.poll(async () => (await remote()).length, { timeout: 10_000 }).toBe(before + HITS.length);
  await b.waitForTimeout(1_200); // playout delay, output path, the last hit's ring
  return (await remote()).slice(before).filter((h) => !h.skipped).length;
}

const onsetCount = async (b: Page) => heardOnsets(await readTap(b)).length;

test("a muted partner is silent at the output, and the mix survives a reload", async ({ browser }) => {
  const ctxA = await browser.newContext({ baseURL: app.url });
  // bypassCSP: the tap's worklet module is a blob: URL, which the app's CSP (rightly) refuses
  const ctxB = await browser.newContext({ baseURL: app.url, bypassCSP: true });
  await preparePlayer(ctxB, { tap: true });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  const link = await createRoom(a, app.url, "Ada");
  await joinRoom(b, link, "Bo");
  for (const p of [a, b]) await expect.poll(() => syncSamples(p), { timeout: 20_000 }).toBeGreaterThanOrEqual(8);
  const partnerId = await a.evaluate(() => (window as unknown as { __backbeat: { participantId: string } }).__backbeat.participantId);

  // The metronome's fader at 0: the listener hears nothing but Ada (its clicks and any backing share that bus).
  await mix(b).getByRole("slider", { name: "Metronome volume" }).fill("0");
  await b.waitForTimeout(800); // clicks already handed to the engine before the fader moved
  await startTap(b);
  await b.waitForTimeout(800);
  expect(await onsetCount(b), "nothing sounds with the metronome's fader down").toBe(0);

  const played = await partnerPlays(a, b, partnerId);
  expect(played, "the listener played Ada's hits").toBeGreaterThanOrEqual(HITS.length - 2);
  const heard = await onsetCount(b);
  expect(heard, "Ada's hits are heard before she is muted").toBeGreaterThanOrEqual(played - 1);

  const mute = mix(b).getByRole("button", { name: "Mute Ada" });
  await mute.click();
  await expect(mute).toHaveAttribute("aria-pressed", "true");
  await mix(b).getByRole("slider", { name: "Master volume" }).fill("70");
  if (shotsDir) {
    await mix(b).screenshot({ path: `${shotsDir}/mix-desktop.png` });
    await b.screenshot({ path: `${shotsDir}/room-mix-desktop.png`, fullPage: true });
  }
  await partnerPlays(a, b, partnerId);
  expect(await onsetCount(b), "a muted partner's hits make no sound at the output").toBe(heard);

  // A reload keeps the mix: the faders show it and the engine applies it before anything sounds.
  await b.reload();
  await expect(mix(b).getByRole("button", { name: "Mute Ada" })).toHaveAttribute("aria-pressed", "true", { timeout: 20_000 });
  await expect(mix(b).getByRole("slider", { name: "Master volume" })).toHaveValue("70");
  await expect(mix(b).getByRole("slider", { name: "Metronome volume" })).toHaveValue("0");
  await expect.poll(() => syncSamples(b), { timeout: 20_000 }).toBeGreaterThanOrEqual(8);
  await startTap(b);
  await partnerPlays(a, b, partnerId);
  expect(await onsetCount(b), "still muted after the reload").toBe(0);

  await mix(b).getByRole("button", { name: "Mute Ada" }).click();
  const playedAgain = await partnerPlays(a, b, partnerId);
  expect(playedAgain, "the listener played Ada's hits").toBeGreaterThanOrEqual(HITS.length / 2);
  expect(await onsetCount(b), "unmuted, Ada is heard again").toBeGreaterThanOrEqual(playedAgain - 1);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test.describe("phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  test("the Mix fits a phone: every fader and mute reachable, nothing wider than the screen, no axe violations", async ({ browser }) => {
    const opts = { baseURL: app.url, viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
    const [ctxA, ctxB] = await Promise.all([browser.newContext(opts), browser.newContext(opts)]);
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const link = await createRoom(a, app.url, "Ada");
    await joinRoom(b, link, "Bartholomew the Drummer");
    const panel = mix(a);
    const mute = panel.getByRole("button", { name: "Mute Bartholomew the Drummer" });
    await mute.scrollIntoViewIfNeeded();
    await mute.tap();
    await expect(mute).toHaveAttribute("aria-pressed", "true");
    await expect(panel.getByRole("slider", { name: "Bartholomew the Drummer volume" })).toBeVisible();
    const box = (await panel.boundingBox())!;
    expect(box.x + box.width, "the Mix panel stays on the screen").toBeLessThanOrEqual(390);
    expect(await panel.evaluate((el) => el.scrollWidth <= el.clientWidth), "no row wider than the panel").toBe(true);
    if (shotsDir) {
      await panel.screenshot({ path: `${shotsDir}/mix-phone.png` });
      await a.screenshot({ path: `${shotsDir}/room-mix-phone.png`, fullPage: true });
    }
    // axe on the Mix and the beat display: no serious or critical violation
    const results = await new AxeBuilder({ page: a }).include('[aria-labelledby="mix-heading"]').include('[data-testid="beat-display"]').withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id} (${v.impact}) — ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    await Promise.all([ctxA.close(), ctxB.close()]);
  });
});
