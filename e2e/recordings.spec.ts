/**
 * Issue 14 — recordings from the room, as a drummer meets them:
 * - defect 2: opening a recording keeps the jam (a new tab; the partner still sees you), and the
 *   replay links back to its room;
 * - "My recordings": the recordings this browser made or played in, across rooms;
 * - defect 8: rejoin after Leave keeps your name; MIDI, JSON and WAV files named in one style;
 *   a battle is saved when nothing was recording.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { useAppServer } from "./support/app";
import { joinRoom, synced } from "./support/room";

const SHOTS = "/tmp/shots-recs";
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

const app = useAppServer();

/** `name`'s row in the room's member list (not a recording's row, which names its players too) */
const memberRow = (page: Page, name: string) => page.locator("li.member").filter({ hasText: name });

async function twoPlayers(browser: Browser, opts: { phoneB?: boolean } = {}): Promise<{ ctxA: BrowserContext; ctxB: BrowserContext; a: Page; b: Page; link: string }> {
  const ctxA = await browser.newContext({ baseURL: app.url });
  const ctxB = await browser.newContext({ baseURL: app.url, ...(opts.phoneB ? PHONE : {}) });
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  // a Stop that asks "are you sure?" is answered yes
  for (const p of [a, b]) p.on("dialog", (d) => void d.accept());
  await a.goto("/");
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\//);
  const link = a.url();
  await b.goto(link);
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  await Promise.all([synced(a), synced(b)]);
  await expect(memberRow(a, "Bo")).toBeVisible();
  return { ctxA, ctxB, a, b, link };
}

/** Ada records a few hits with Bo; resolves with the recording's link in the room's list. */
async function record(a: Page, b: Page) {
  await a.getByRole("button", { name: "Start recording" }).click();
  await expect(a.getByRole("button", { name: "Stop recording" })).toBeVisible();
  for (const pad of ["Kick", "Snare", "Kick", "Snare"]) {
    await a.getByRole("button", { name: pad, exact: true }).click();
    await b.getByRole("button", { name: "Closed hi-hat", exact: true }).click();
    await a.waitForTimeout(150);
  }
  await a.getByRole("button", { name: "Stop recording" }).click();
  const link = a.getByRole("link", { name: /^Jam / }).first();
  await expect(link).toBeVisible();
  return link;
}

test("opening a recording keeps the jam: a new tab, the partner still sees you, and the replay links back to its room", async ({ browser }) => {
  const { ctxA, ctxB, a, b, link: roomUrl } = await twoPlayers(browser, { phoneB: true });
  const recLink = await record(a, b);
  await expect(recLink).toHaveAccessibleName(/\(opens in a new tab\)$/);
  await a.getByRole("heading", { name: "Recordings" }).scrollIntoViewIfNeeded();
  await a.screenshot({ path: `${SHOTS}/room-recordings-desktop.png` });
  await b.getByRole("heading", { name: "Recordings" }).scrollIntoViewIfNeeded();
  await b.screenshot({ path: `${SHOTS}/room-recordings-phone.png` });

  const [replay] = await Promise.all([ctxA.waitForEvent("page"), recLink.click()]);
  await expect(replay).toHaveURL(/\/replay\/[A-Za-z0-9_-]+$/);
  await expect(replay.getByRole("button", { name: "Play", exact: true })).toBeVisible();
  // the room page stayed, still connected: the partner sees Ada online for a while after
  expect(a.url()).toBe(roomUrl);
  await b.waitForTimeout(2_000);
  await expect(memberRow(b, "Ada")).toBeVisible();
  await expect(memberRow(b, "Ada")).not.toContainText("offline");
  await expect(a.getByRole("button", { name: "Stop recording" }).or(a.getByRole("button", { name: "Start recording" }))).toBeVisible();
  await replay.screenshot({ path: `${SHOTS}/replay-from-room-desktop.png` });

  // back to the room: the replay's tab closes (the room's tab is still in the jam, a second would be a second seat)
  const code = roomUrl.split("/room/")[1]!;
  const back = replay.getByRole("link", { name: `Back to room ${code}` });
  await expect(back).toHaveAttribute("href", `/room/${code}`);
  const closed = replay.waitForEvent("close");
  // the click closes the page under Playwright's feet: that error only counts if the page is still open
  await back.click().catch((err: unknown) => {
    if (!replay.isClosed()) throw err;
  });
  await closed;
  await expect(memberRow(b, "Ada")).not.toContainText("offline");

  // someone who got the replay by link goes to the room itself
  const ctxC = await browser.newContext({ baseURL: app.url, ...PHONE });
  const c = await ctxC.newPage();
  await c.goto((await recLink.getAttribute("href"))!);
  await c.screenshot({ path: `${SHOTS}/replay-phone.png` });
  await c.getByRole("link", { name: `Back to room ${code}` }).click();
  await expect(c).toHaveURL(roomUrl);
  await expect(c.getByLabel("Your name")).toBeVisible();
  await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
});

test("My recordings lists what this browser recorded or played in, across rooms; empty until then", async ({ browser }) => {
  // empty state, on a phone
  const ctxNew = await browser.newContext({ baseURL: app.url, ...PHONE });
  const fresh = await ctxNew.newPage();
  await fresh.goto("/");
  await fresh.getByRole("link", { name: "My recordings" }).click();
  await expect(fresh).toHaveURL(/\/recordings$/);
  await expect(fresh.getByRole("heading", { name: "My recordings" })).toBeVisible();
  await expect(fresh.getByText("No recordings in this browser yet.")).toBeVisible();
  await expect(fresh.getByRole("link", { name: "Start a jam" })).toBeVisible();
  await fresh.screenshot({ path: `${SHOTS}/my-recordings-empty-phone.png` });
  await ctxNew.close();

  const { ctxA, ctxB, a, b, link: roomUrl } = await twoPlayers(browser, { phoneB: true });
  const code = roomUrl.split("/room/")[1]!;
  const recLink = await record(a, b);
  const title = (await recLink.textContent())!.replace(/\s*↗.*$/, "").trim();
  const href = (await recLink.getAttribute("href"))!;

  // a second room: its recording is listed too, newest first
  await a.goto("/");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\//);
  await synced(a);
  await a.getByRole("button", { name: "Start recording" }).click();
  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await a.getByRole("button", { name: "Stop recording" }).click();
  await expect(a.getByRole("link", { name: /^Jam / })).toBeVisible();
  const code2 = a.url().split("/room/")[1]!;

  await a.getByRole("link", { name: "My recordings" }).click();
  const items = a.getByRole("list").last().getByRole("listitem");
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toContainText(code2);
  await expect(items.nth(1)).toContainText(title);
  await expect(items.nth(1)).toContainText(code);
  await expect(items.nth(1)).toContainText(/0:0\d/); // its length
  await expect(items.nth(1)).toContainText("Ada, Bo");
  await expect(items.nth(1).getByRole("link", { name: title })).toHaveAttribute("href", href);
  await expect(items.nth(1).getByRole("link", { name: `Room ${code}` })).toHaveAttribute("href", `/room/${code}`);
  await a.setViewportSize({ width: 1280, height: 800 });
  await a.screenshot({ path: `${SHOTS}/my-recordings-desktop.png` });

  // Bo played in the first one (without starting it): his phone lists it too
  await b.goto("/recordings");
  await expect(b.getByRole("link", { name: title })).toBeVisible();
  await expect(b.getByText(code2)).toHaveCount(0);
  await b.screenshot({ path: `${SHOTS}/my-recordings-phone.png` });

  // renamed elsewhere: the page shows the new title
  await a.goto(href);
  await a.getByRole("link", { name: /Back to room/ }).click();
  await expect(a).toHaveURL(roomUrl);
  await synced(a);
  await a.getByRole("button", { name: `Rename ${title}` }).click();
  await a.getByLabel(`New title for ${title}`).fill("Sunday groove");
  await a.getByRole("button", { name: "Save title" }).click();
  await b.reload();
  await expect(b.getByRole("link", { name: "Sunday groove" })).toBeVisible();
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("Rejoin after Leave keeps your name; Change name lets you pick another", async ({ browser }) => {
  const { ctxA, ctxB, a, b } = await twoPlayers(browser);
  await a.getByRole("button", { name: "Leave room" }).click();
  await expect(a.getByRole("heading", { name: /You left room/ })).toBeVisible();
  await expect(memberRow(b, "Ada")).toHaveCount(0); // left, not greyed
  await a.screenshot({ path: `${SHOTS}/left-desktop.png` });

  await a.getByRole("button", { name: "Rejoin as Ada" }).click();
  await expect(a.getByLabel("Your name")).toHaveCount(0);
  await expect(a.getByRole("button", { name: "Kick", exact: true })).toBeEnabled();
  await expect(memberRow(b, "Ada")).not.toContainText("offline");

  await a.getByRole("button", { name: "Leave room" }).click();
  await a.getByRole("button", { name: "Change name" }).click();
  await expect(a.getByLabel("Your name")).toHaveValue("Ada");
  await a.getByLabel("Your name").fill("Ada L");
  await a.getByRole("button", { name: "Join room" }).click();
  await expect(memberRow(b, "Ada L")).toBeVisible();
  await expect(memberRow(b, "Ada L")).not.toContainText("offline");
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("MIDI, JSON and WAV of one recording are named in one style", async ({ browser }) => {
  const { ctxA, ctxB, a, b } = await twoPlayers(browser);
  const recLink = await record(a, b);
  const page = await ctxA.newPage();
  await page.goto((await recLink.getAttribute("href"))!);
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeVisible();
  const title = (await page.getByRole("heading", { level: 1 }).textContent())!;
  // "Jam 2026-12-06 22:56 UTC" → "jam-2026-12-06-22-56-utc"
  const stem = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

  const download = async (click: () => Promise<void>) => {
    const [d] = await Promise.all([page.waitForEvent("download"), click()]);
    return d.suggestedFilename();
  };
  expect(await download(() => page.getByRole("link", { name: "Download MIDI" }).click())).toBe(`${stem}.mid`);
  expect(await download(() => page.getByRole("link", { name: "Download JSON" }).click())).toBe(`${stem}.json`);
  await page.getByRole("button", { name: "Export WAV" }).click();
  const wav = page.getByRole("link", { name: "Download WAV" });
  await expect(wav).toBeVisible({ timeout: 30_000 });
  expect(await download(() => wav.click())).toBe(`${stem}-mix.wav`);
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("a battle is saved when nothing was recording: listed in the room and replayed with its result", async ({ browser }) => {
  const { ctxA, ctxB, a, b } = await twoPlayers(browser);
  // the battle controls may sit in a settings sheet (phone layout)
  const start = a.getByRole("button", { name: "Start battle" });
  if (!(await start.isVisible())) await a.getByRole("button", { name: "Settings", exact: true }).click();
  await a.getByLabel("Bars per turn").selectOption("2");
  await a.getByLabel("Rounds").selectOption("1");
  await start.click();
  await expect(a.getByRole("button", { name: "Start recording" })).toBeVisible(); // nothing records
  await expect(b.getByText(/Ada’s turn/).first()).toBeVisible({ timeout: 15_000 });
  for (let i = 0; i < 4; i++) {
    await a.keyboard.press("c");
    await a.waitForTimeout(150);
  }
  await expect(b.getByText(/Bo’s turn/).first()).toBeVisible({ timeout: 15_000 });
  for (let i = 0; i < 3; i++) {
    await b.keyboard.press("x");
    await b.waitForTimeout(150);
  }
  await expect(b.getByText(/wins!|draw/i).first()).toBeVisible({ timeout: 20_000 });
  const battleLink = b.getByRole("link", { name: /^Battle: Ada vs Bo/ });
  await expect(battleLink).toBeVisible({ timeout: 10_000 });
  await battleLink.scrollIntoViewIfNeeded();
  await b.screenshot({ path: `${SHOTS}/battle-listed-desktop.png` });
  await b.goto((await battleLink.getAttribute("href"))!);
  const section = b.getByRole("region", { name: "Battle" });
  await expect(section.getByRole("row")).toHaveCount(3); // header + 2 turns
  await expect(b.getByRole("button", { name: "Play", exact: true })).toBeEnabled();
  await section.scrollIntoViewIfNeeded();
  await b.screenshot({ path: `${SHOTS}/battle-replay-desktop.png` });
  await Promise.all([ctxA.close(), ctxB.close()]);
});

test("a room link's first HTML already holds the name form; a remembered name goes straight in", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: app.url, ...PHONE });
  const page = await ctx.newPage();
  const code = ((await (await page.request.post("/api/rooms", { data: {} })).json()) as { code: string }).code;
  // no waiting for hydration and a look-up before the form shows (issue 14, "Fast on a phone")
  const html = await (await page.request.get(`/room/${code}`)).text();
  expect(html).toContain('id="join-name"');
  expect(html).toMatch(new RegExp(`Joining room (<!-- -->)?${code}`)); // shown instead when a name is remembered

  await page.goto(`/room/${code}`);
  await page.getByLabel("Your name").fill("Cy");
  await page.getByRole("button", { name: "Join room" }).click();
  await expect(page.locator("li.member").filter({ hasText: "Cy" })).toBeVisible();
  await synced(page);

  // the same browser again: no form, the pads
  const again = await ctx.newPage();
  await again.goto(`/room/${code}`);
  await expect(again.getByRole("button", { name: "Kick", exact: true })).toBeEnabled();
  await expect(again.getByLabel("Your name")).toHaveCount(0);

  // a missing room is still shown as such
  await again.goto("/room/nosuch-room-9");
  await expect(again.getByRole("heading", { name: "Room not found" })).toBeVisible();
  await ctx.close();
});

test("an empty Recordings list says what is true for who reads it: a player, a spectator, while one runs", async ({ browser }) => {
  const { ctxA, ctxB, a, b, link } = await twoPlayers(browser);
  const ctxS = await browser.newContext({ baseURL: app.url, ...PHONE });
  const s = await ctxS.newPage();
  await joinRoom(s, link, "Cy", "spectator");
  const empty = (p: Page) => p.getByRole("region", { name: "Recordings" }).locator("p.muted");
  await expect(empty(a)).toHaveText("None yet. Press Start recording, play, then Stop.");
  await expect(empty(s)).toHaveText("None yet. The players' recordings are listed here.");
  await a.getByRole("button", { name: "Start recording" }).click();
  for (const p of [a, b, s]) await expect(empty(p)).toHaveText("None finished yet: the one running now is listed here when it stops.");
  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await a.getByRole("button", { name: "Stop recording" }).click();
  for (const p of [a, b, s]) {
    await expect(p.getByRole("link", { name: /^Jam / }).first()).toBeVisible();
    await expect(empty(p)).toHaveCount(0);
  }
  await Promise.all([ctxA.close(), ctxB.close(), ctxS.close()]);
});
