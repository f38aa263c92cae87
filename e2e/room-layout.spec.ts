import { expect, test, type Browser, type BrowserContextOptions, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { useAppServer } from "./support/app";
import { closeSettings, createRoom, joinRoom, openSettings } from "./support/room";

/**
 * The room as an instrument (issue 14, defects 3, 5 and 8): on a phone, portrait and landscape,
 * the pads, the beat, Record and the metronome fit the first screen; settings live in a sheet;
 * no computer-key hints on a touch screen; a spectator sees only what a spectator can do; no
 * horizontal overflow; labels stay by their controls; the pads do not move when things appear.
 */
const app = useAppServer();

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };
const PHONE_LANDSCAPE: BrowserContextOptions = { viewport: { width: 844, height: 390 }, hasTouch: true, isMobile: true };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PADS = ["Kick", "Snare", "Closed hi-hat", "Open hi-hat", "Low tom", "High tom", "Crash", "Ride"];

/** SHOTS_DIR=/tmp/… to keep screenshots of each state (looked at by hand) */
async function shot(page: Page, name: string) {
  const dir = process.env.SHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png` });
}

const pads = (page: Page) => page.locator("button.pad");

/** `el` lies wholly inside the first screen: the page is not scrolled and its box is within the viewport. */
async function expectOnFirstScreen(page: Page, el: Locator, what: string) {
  const vp = page.viewportSize()!;
  expect(await page.evaluate(() => window.scrollY), "the page is not scrolled").toBe(0);
  const box = await el.boundingBox();
  expect(box, `${what} is rendered`).not.toBeNull();
  expect(box!.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what}: right edge within ${vp.width}`).toBeLessThanOrEqual(vp.width + 0.5);
  expect(box!.y + box!.height, `${what}: bottom edge within ${vp.height}`).toBeLessThanOrEqual(vp.height + 0.5);
}

async function expectInstrumentOnFirstScreen(page: Page, player: boolean) {
  await expect(pads(page)).toHaveCount(8);
  for (const name of PADS) await expectOnFirstScreen(page, page.getByRole("button", { name, exact: true }), `pad ${name}`);
  await expectOnFirstScreen(page, page.getByTestId("beat-display"), "the beat");
  await expectOnFirstScreen(page, page.getByRole("button", { name: "Metronome", exact: true }), "Metronome");
  if (player) await expectOnFirstScreen(page, page.getByRole("button", { name: "Start recording" }), "Start recording");
  // Big enough to hit with a thumb.
  for (const box of await pads(page).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(64);
  }
}

async function expectNoHorizontalOverflow(page: Page, what: string) {
  const over = await page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>(".room-side, .room-side > *, .instrument, dialog[open], dialog[open] section")) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${el.className || el.tagName} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return out;
  });
  expect(over, `${what}: nothing wider than its box`).toEqual([]);
}

/** Each visible label sits on the line of its control (they used to wrap onto different lines). */
async function expectLabelsByTheirControls(page: Page, scope: Locator, what: string) {
  const apart = await scope.evaluate((root) => {
    const out: string[] = [];
    for (const label of root.querySelectorAll<HTMLLabelElement>("label[for]")) {
      const control = document.getElementById(label.htmlFor);
      if (!control || label.offsetParent === null || control.offsetParent === null) continue;
      const l = label.getBoundingClientRect();
      const c = control.getBoundingClientRect();
      const mid = l.top + l.height / 2;
      if (mid < c.top || mid > c.bottom) out.push(`${label.textContent?.trim()}: label at y ${Math.round(mid)}, control ${Math.round(c.top)}–${Math.round(c.bottom)}`);
    }
    return out;
  });
  expect(apart, `${what}: labels on their controls' line`).toEqual([]);
}

async function twoPlayers(browser: Browser, optsA: BrowserContextOptions, optsB: BrowserContextOptions = DESKTOP) {
  const [ctxA, ctxB] = await Promise.all([browser.newContext(optsA), browser.newContext(optsB)]);
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  const link = await createRoom(a, app.url, "Ada");
  await joinRoom(b, link, "Bo");
  await expect(a.locator(".member").filter({ hasText: "Bo" })).toBeVisible();
  return { a, b, link, closeB: () => ctxB.close(), close: () => Promise.all([ctxA.close(), ctxB.close()]) };
}

test("phone, portrait: pads, beat, Record and metronome on the first screen; settings in an accessible sheet; no key hints", async ({ browser }) => {
  const { a, close } = await twoPlayers(browser, PHONE);
  await expectInstrumentOnFirstScreen(a, true);
  await expectNoHorizontalOverflow(a, "phone room");
  await shot(a, "room-phone");
  // The room's name is whole beside the host's rename button (Settings shows only its gear here).
  const title = a.getByRole("heading", { level: 1 });
  await expect(a.getByRole("button", { name: "Rename room" })).toBeVisible();
  expect(await title.evaluate((h) => h.scrollWidth <= h.clientWidth && h.scrollHeight <= h.clientHeight), `room name "${await title.textContent()}" is cut off`).toBe(true);
  // whatever the room's code: the longest words the code generator makes (core/room-code.ts), in the same heading
  expect(
    await title.evaluate((h) => {
      const saved = h.textContent;
      h.textContent = "Room steady-wombat-mwmwmwmw"; // 6-letter words are the longest, m and w the widest letters
      const whole = h.scrollWidth <= h.clientWidth && h.scrollHeight <= h.clientHeight;
      h.textContent = saved;
      return whole;
    }),
    "a long room code is cut off",
  ).toBe(true);

  // A touch screen: no computer keys on the pads, nor announced.
  await expect(a.locator("button.pad .key")).toHaveCount(0);
  for (const name of PADS) await expect(a.getByRole("button", { name, exact: true })).not.toHaveAttribute("aria-keyshortcuts", /.*/);

  // Settings: a modal sheet; focus inside; Escape closes it and gives focus back to its button.
  const button = a.getByRole("button", { name: "Settings", exact: true });
  await expect(button).toHaveAttribute("aria-expanded", "false");
  const sheet = await openSettings(a);
  await expect(button).toHaveAttribute("aria-expanded", "true");
  expect(await sheet.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  for (const name of ["Fair monitoring", "Calibrate", "Input settings", "Apply", "Tap tempo"]) await expect(sheet.getByRole("button", { name })).toBeVisible();
  await expect(sheet.getByLabel("Kit")).toBeVisible();
  await expect(sheet.getByRole("heading", { name: "Latency" })).toBeAttached();
  // Tab stays within the sheet (the page behind is inert).
  for (let i = 0; i < 6; i++) {
    await a.keyboard.press("Tab");
    expect(await sheet.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await expectLabelsByTheirControls(a, sheet, "phone settings");
  await expectNoHorizontalOverflow(a, "phone settings");
  await shot(a, "settings-phone");
  await a.keyboard.press("Escape");
  await expect(sheet).toBeHidden();
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute("aria-expanded", "false");
  // ... and the Close button closes it too.
  await openSettings(a);
  await closeSettings(a);
  await close();
});

test("phone, landscape: all 8 pads, the beat, Record and metronome fit one screen", async ({ browser }) => {
  const { a, close } = await twoPlayers(browser, PHONE_LANDSCAPE);
  await expectInstrumentOnFirstScreen(a, true);
  await expectNoHorizontalOverflow(a, "landscape room");
  await shot(a, "room-phone-landscape");
  await close();
});

test("desktop: tidy, key hints shown, nothing overflows once the latency table is there, labels by their controls", async ({ browser }) => {
  const { a, close } = await twoPlayers(browser, DESKTOP);
  await expectInstrumentOnFirstScreen(a, true);
  await expect(a.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("aria-keyshortcuts", "X");
  await expect(a.locator("button.pad .key")).toHaveCount(8);
  await expectLabelsByTheirControls(a, a.locator(".room-side"), "desktop side panel");
  await expectNoHorizontalOverflow(a, "desktop room");
  await shot(a, "room-desktop");
  const sheet = await openSettings(a);
  await sheet.getByText("Technical figures").click();
  await expect(sheet.locator(".latency-table")).toBeVisible(); // a partner is there: the per-partner table
  await expectLabelsByTheirControls(a, sheet, "desktop settings");
  await expectNoHorizontalOverflow(a, "desktop settings");
  await shot(a, "settings-desktop");
  await close();
});

test("the pads stay where they are when a recording, a status or a notice appears", async ({ browser }) => {
  for (const opts of [PHONE, DESKTOP]) {
    const { a, closeB, close } = await twoPlayers(browser, opts);
    // where on the page (not the viewport: a button below the fold scrolls it)
    const boxes = () =>
      pads(a).evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].join(",");
        }),
      );
    const before = await boxes();
    // A recording starting (its controls, a REC badge)...
    await a.getByRole("button", { name: "Start recording" }).click();
    await expect(a.getByRole("button", { name: "Stop recording" })).toBeVisible();
    expect(await boxes()).toEqual(before);
    // the longer Stop button does not push the transport over the pads
    const padsTop = (await pads(a).first().boundingBox())!.y;
    for (const name of ["Stop recording", "Metronome"]) {
      const box = (await a.getByRole("button", { name, exact: true }).boundingBox())!;
      expect(box.y + box.height, `${name} above the pads`).toBeLessThanOrEqual(padsTop);
    }
    // ... a longer status line (a copied link) ...
    await a.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await a.getByRole("button", { name: "Copy room link" }).first().click();
    await expect(a.getByRole("status").filter({ hasText: /Room link copied/ })).toBeVisible();
    expect(await boxes()).toEqual(before);
    // ... and a notice (the partner leaves).
    await closeB();
    await expect(a.locator("[data-notice]").first()).toBeVisible();
    expect(await boxes()).toEqual(before);
    await shot(a, `stable-${opts === PHONE ? "phone" : "desktop"}`);
    await close();
  }
});

test("a spectator sees what a spectator can do, and on a phone whose turn it is by the vote buttons", async ({ browser }) => {
  const { a, link, close } = await twoPlayers(browser, DESKTOP);
  const ctxC = await browser.newContext(PHONE);
  const c = await ctxC.newPage();
  await joinRoom(c, link, "Cy", "spectator");
  await expect(a.locator(".member").filter({ hasText: "Cy" })).toBeVisible();

  await expectInstrumentOnFirstScreen(c, false);
  await expectNoHorizontalOverflow(c, "spectator");
  for (const name of ["Start recording", "Fair monitoring", "Calibrate", "Input settings", "Apply"]) await expect(c.getByRole("button", { name })).toHaveCount(0);
  await expect(c.getByLabel("Kit")).toHaveCount(0);
  await expect(c.locator("button.pad .key")).toHaveCount(0);
  await expect(c.locator("button.pad[aria-keyshortcuts]")).toHaveCount(0);
  // What a spectator can do: listen (metronome, backing), vote, see the latency.
  await expect(c.getByRole("button", { name: "React with fire" })).toBeVisible();
  const sheet = await openSettings(c);
  await expect(sheet.getByRole("button", { name: "Backing" })).toBeVisible();
  await closeSettings(c);

  // A battle: the turn is shown next to the vote buttons, on the first screen.
  await a.getByRole("button", { name: "Start battle" }).click();
  const turn = c.getByTestId("turn-line");
  await expect(turn).toHaveText(/Battle in \d+ s — Ada first|Ada’s turn/);
  await expect(turn).toHaveText(/Ada’s turn — vote now/, { timeout: 15_000 });
  await expectOnFirstScreen(c, turn, "whose turn");
  const vote = c.getByRole("button", { name: "React with fire" });
  await expectOnFirstScreen(c, vote, "the vote buttons");
  const [t, v] = [(await turn.boundingBox())!, (await vote.boundingBox())!];
  expect(Math.abs(v.y - (t.y + t.height)), "the turn is right above the vote buttons").toBeLessThan(24);
  await shot(c, "spectator-battle-phone");
  await ctxC.close();
  await close();
});

test("a favicon on every page: no 404s", async ({ page }) => {
  const missing: string[] = [];
  page.on("response", (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await page.goto(`${app.url}/`);
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toBeTruthy();
  const res = await page.request.get(new URL(href!, app.url).toString());
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("image/svg+xml");
  await createRoom(page, app.url, "Ada");
  await expect(page.locator('link[rel="icon"]')).not.toHaveCount(0);
  expect(missing).toEqual([]);
});
