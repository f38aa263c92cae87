import { expect, test, type Page } from "@playwright/test";
import { useAppServer } from "./support/app";
import { closeSettings, openSettings } from "./support/room";

interface DiagHit {
  kind: "local" | "remote";
  pad: string;
  velocity: number;
  strikeAtMs: number;
}
interface Diag {
  syncSamples: number;
  clockOffsetMs: number;
  hits: DiagHit[];
}
const diag = (page: Page) => page.evaluate(() => (window as unknown as { __backbeat?: Diag }).__backbeat);
const hitsOf = async (page: Page, kind: "local" | "remote") => ((await diag(page))?.hits ?? []).filter((h) => h.kind === kind);

const app = useAppServer();

async function createRoom(page: Page, name: string) {
  await page.goto(`${app.url}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page).toHaveURL(/\/room\//);
  await expect.poll(async () => (await diag(page))?.syncSamples ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
}

test("a MIDI drum kit plays through Web MIDI's path: GM notes, velocity, the event's own timestamp, relayed to the partner", async ({ browser }) => {
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  await createRoom(a, "Drummer");
  await b.goto(a.url());
  await b.getByLabel("Your name").fill("Listener");
  await b.getByRole("button", { name: "Join room" }).click();
  await expect.poll(async () => (await diag(b))?.syncSamples ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);

  // Synthetic MIDI messages (no hardware here) through the same handler a device would use.
  const sent = await a.evaluate(() => {
    const midi = (window as unknown as { __backbeatMidi: { inject(d: number[], t?: number): boolean } }).__backbeatMidi;
    const bb = (window as unknown as { __backbeat: { sharedNow(): number } }).__backbeat;
    const ts = performance.now() - 20; // the event happened 20 ms ago
    const expected = bb.sharedNow() - 20;
    return {
      expected,
      accepted: [
        midi.inject([0x99, 36, 127], ts), // kick on channel 10
        midi.inject([0x99, 40, 64], ts + 1), // electric snare
        midi.inject([0x99, 44, 90], ts + 2), // pedal hi-hat → closed
        midi.inject([0x89, 36, 0], ts + 3), // note-off: ignored
        midi.inject([0x99, 60, 100], ts + 4), // not a drum: ignored
      ],
    };
  });
  expect(sent.accepted).toEqual([true, true, true, false, false]);
  const local = await hitsOf(a, "local");
  expect(local.map((h) => h.pad)).toEqual(["kick", "snare", "hihatClosed"]);
  expect(local[0]!.velocity).toBe(1);
  expect(local[1]!.velocity).toBeCloseTo(64 / 127, 5);
  expect(Math.abs(local[0]!.strikeAtMs - sent.expected)).toBeLessThan(2); // strike time from the MIDI timestamp, not "now"
  await expect.poll(async () => (await hitsOf(b, "remote")).map((h) => h.pad)).toEqual(["kick", "snare", "hihatClosed"]);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("keys are shown on the pads and can be re-mapped; tap tempo sets the tempo field", async ({ page }) => {
  await createRoom(page, "Keys");
  const kick = page.getByRole("button", { name: "Kick", exact: true });
  await expect(kick).toHaveAttribute("aria-keyshortcuts", "X");
  await openSettings(page);
  await page.getByRole("button", { name: "Input settings" }).click();
  await page.getByRole("button", { name: "Change key for Kick" }).click();
  await page.keyboard.press("j");
  await expect(kick).toHaveAttribute("aria-keyshortcuts", "J");
  await closeSettings(page); // focus back on the Settings button, away from the key fields
  await page.keyboard.press("j");
  await page.keyboard.press("x"); // no longer mapped
  await expect.poll(async () => (await hitsOf(page, "local")).map((h) => h.pad)).toEqual(["kick"]);
  // Survives a reload.
  await page.reload();
  await expect(page.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("aria-keyshortcuts", "J");
  // Giving Snare the key J swaps: Kick gets Snare's old key.
  await openSettings(page);
  await page.getByRole("button", { name: "Input settings" }).click();
  await page.getByRole("button", { name: "Change key for Snare" }).click();
  await page.keyboard.press("j");
  await expect(page.getByRole("button", { name: "Snare", exact: true })).toHaveAttribute("aria-keyshortcuts", "J");
  await expect(page.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("aria-keyshortcuts", "C");
  await page.getByRole("button", { name: "Reset keys" }).click();
  await expect(page.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("aria-keyshortcuts", "X");

  // Four taps 500 ms apart by the events' own timestamps (the tapper reads `timeStamp`): spaced
  // inside the page, so a busy machine's delays between test-runner calls do not skew the tempo.
  await page.getByRole("button", { name: "Tap tempo" }).evaluate((button) => {
    const start = performance.now();
    for (let i = 0; i < 4; i++) {
      while (performance.now() - start < i * 500);
      button.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, cancelable: true, pointerId: 1, pointerType: "mouse", isPrimary: true }));
    }
  });
  // 500 ms intervals = 120 BPM; a tap the page's own work delays by a few ms still rounds near it.
  await expect.poll(async () => Number(await page.getByLabel("Tempo (BPM)").inputValue())).toBeGreaterThanOrEqual(116);
  expect(Number(await page.getByLabel("Tempo (BPM)").inputValue())).toBeLessThanOrEqual(120);
});

test("multi-touch: two fingers on two pads strike both at once, with no tap delay", async ({ browser }) => {
  const ctx = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await createRoom(page, "Thumbs");
  await page.evaluate(() => {
    const pad = (name: string) => [...document.querySelectorAll("button.pad")].find((b) => b.textContent?.startsWith(name))!;
    const kick = pad("Kick");
    const snare = pad("Snare");
    const at = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
    };
    // Two touch pointers down at the same moment (ids 1 and 2), no up yet.
    kick.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, cancelable: true, pointerId: 1, pointerType: "touch", isPrimary: true, ...at(kick) }));
    snare.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, cancelable: true, pointerId: 2, pointerType: "touch", isPrimary: false, ...at(snare) }));
  });
  const hits = await hitsOf(page, "local");
  expect(hits.map((h) => h.pad)).toEqual(["kick", "snare"]);
  // Struck at the centre of the pad: full velocity.
  expect(hits[0]!.velocity).toBeCloseTo(1, 2);
  // The pads do not wait for a click (which touch browsers may delay): pointerdown strikes.
  await expect(page.locator("button.pad").first()).toHaveCSS("touch-action", "none");
  await ctx.close();
});
