/**
 * Issue 14: who runs the room. The host role is handed on when the host leaves, player colours
 * survive a server restart, the host names the room, and everyone sees who is recording.
 */
import { expect, test, type Browser, type Page } from "@playwright/test";
import { useAppServer } from "./support/app";
import { synced } from "./support/room";

const app = useAppServer();

/** a member's row in the list of people ("In the room") */
const member = (page: Page, text: string) => page.getByRole("region", { name: "In the room" }).getByRole("listitem").filter({ hasText: text });

/** Ada creates a room, Bo joins it through its link: both pages in the room. */
async function twoPlayers(browser: Browser, viewportB?: { width: number; height: number }) {
  const ctxA = await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 800 } });
  const ctxB = await browser.newContext({ baseURL: app.url, ...(viewportB ? { viewport: viewportB, hasTouch: true, isMobile: true } : { viewport: { width: 1280, height: 800 } }) });
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()]);
  await a.goto("/");
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\//);
  await b.goto(a.url());
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  for (const p of [a, b]) await expect(member(p, "Bo")).toBeVisible();
  return { a, b, close: () => Promise.all([ctxA.close(), ctxB.close()]) };
}

/** name → swatch colour, as the member list shows it */
const colours = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("li.member")].map((li) => [li.textContent?.includes("Ada") ? "Ada" : "Bo", getComputedStyle(li.querySelector(".swatch")!).backgroundColor]),
    ),
  );

test("player colours stay the same after a server restart", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  for (const p of [a, b]) await synced(p);
  const before = await colours(a);
  expect(before.Ada).not.toBe(before.Bo);
  expect(await colours(b)).toEqual(before);

  await app.stop();
  await app.start();
  for (const p of [a, b]) {
    await expect(p.getByText(/Connected · clock synced/)).toBeVisible({ timeout: 20_000 });
    await expect(member(p, "Ada").filter({ hasText: /good|fair|poor|measuring/ })).toBeVisible({ timeout: 20_000 });
    await expect(member(p, "Bo").filter({ hasText: /good|fair|poor|measuring/ })).toBeVisible({ timeout: 20_000 });
    expect(await colours(p)).toEqual(before);
  }
  await close();
});

test("player colours stay the same in a recording after the same tabs play in another room and the server restarts", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  for (const p of [a, b]) await synced(p);
  const inRoom = await colours(a);
  // A short recording in the first room: Ada and Bo each hit.
  await a.getByRole("button", { name: "Start recording" }).click();
  await expect(b.getByRole("button", { name: "Stop recording" })).toBeVisible();
  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await b.getByRole("button", { name: "Snare", exact: true }).click();
  await a.waitForTimeout(300);
  await a.getByRole("button", { name: "Stop recording" }).click();
  const replay = await a.getByRole("link", { name: /^Jam / }).first().getAttribute("href");

  // The same two tabs jam in a second room, Bo's this time: there Bo joins first and gets the first colour.
  await b.goto("/");
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Create room" }).click();
  await expect(b).toHaveURL(/\/room\//);
  await a.goto(b.url());
  await expect(member(a, "Bo")).toBeVisible();
  const second = await colours(a);
  expect(second.Bo).toBe(inRoom.Ada);

  await app.stop();
  await app.start();
  await a.goto(replay!);
  const players = a.getByRole("list", { name: "Players" });
  await expect(players.getByRole("listitem")).toHaveCount(2);
  const inReplay = await a.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('[aria-label="Players"] li')].map((li) => [li.textContent?.includes("Ada") ? "Ada" : "Bo", getComputedStyle(li.querySelector(".swatch")!).backgroundColor])),
  );
  expect(inReplay).toEqual(inRoom);
  await close();
});

/** Opens the settings sheet when the room has one (tempo and mode live there on the reworked room page). */
async function tempoInput(page: Page) {
  const settings = page.getByRole("button", { name: "Settings", exact: true });
  if (await settings.count()) await settings.click();
  return page.getByLabel("Tempo (BPM)");
}

test("the host leaves: the other player becomes host and can change the tempo", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser);
  for (const p of [a, b]) await synced(p);
  await expect(member(b, "Ada")).toContainText("host");
  const tempo = await tempoInput(b);
  await expect(tempo).not.toBeEditable(); // read-only (or disabled) for everyone but the host
  await b.keyboard.press("Escape");

  await a.getByRole("button", { name: "Leave room" }).click();
  await expect(member(b, "Ada")).toHaveCount(0);
  await expect(member(b, "Bo (you)")).toContainText("host");
  const tempoNow = await tempoInput(b);
  await expect(tempoNow).toBeEditable();
  await tempoNow.fill("132");
  await tempoNow.press("Enter");
  await b.keyboard.press("Escape");
  await expect(b.getByRole("img", { name: /\b132\b/ })).toBeVisible(); // the beat display: "4/4, 132 quarter notes a minute"
  await b.screenshot({ path: "/tmp/shots-host/host-handed-on-desktop.png" });
  await close();
});

test("the host names the room and a co-host; everyone sees the name, the page title and who is recording, and nothing moves", async ({ browser }) => {
  const { a, b, close } = await twoPlayers(browser, { width: 390, height: 844 });
  for (const p of [a, b]) await synced(p);
  await expect(b.getByRole("button", { name: "Rename room" })).toHaveCount(0);

  await a.getByRole("button", { name: "Rename room" }).click();
  await a.getByLabel("Room name").fill("Friday jam");
  await a.getByRole("button", { name: "Save" }).click();
  for (const p of [a, b]) {
    await expect(p.getByRole("heading", { level: 1, name: "Friday jam" })).toBeVisible();
    await expect(p).toHaveTitle("Friday jam · Backbeat");
  }
  // a shared link previews with the name (link previewers only: a browser's first HTML does not wait for it)
  const preview = async (ua: string) => (await a.request.get(a.url(), { headers: { "user-agent": ua } })).text();
  await expect.poll(() => preview("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")).toContain('<meta property="og:title" content="Jam with me on Backbeat — Friday jam"');
  expect(await preview("WhatsApp/2.23.20.0")).toContain("<title>Friday jam · Backbeat</title>");

  // Ada names Bo co-host: Bo gets the host's powers (renaming among them), not the host role.
  a.on("dialog", (d) => void d.accept());
  await a.getByRole("button", { name: "Make co-host: Bo" }).click();
  await expect(member(b, "Bo (you)")).toContainText("co-host");
  await expect(b.getByRole("button", { name: "Rename room" })).toBeVisible();
  await expect(b.getByRole("button", { name: "Make host: Ada" })).toHaveCount(0);
  await expect(b.getByRole("button", { name: "Remove Ada" })).toHaveCount(0);

  // The REC badge: everyone sees who records; on the phone the pads do not move when it appears.
  const kick = b.getByRole("button", { name: "Kick", exact: true });
  const before = await kick.boundingBox();
  await a.getByRole("button", { name: "Start recording" }).click();
  for (const p of [a, b]) await expect(p.getByRole("status").filter({ hasText: "REC" })).toContainText("● REC — Ada");
  expect(await kick.boundingBox()).toEqual(before);
  await a.screenshot({ path: "/tmp/shots-host/room-rec-desktop.png" });
  await b.screenshot({ path: "/tmp/shots-host/room-rec-phone.png" });
  await b.getByRole("heading", { name: "In the room" }).scrollIntoViewIfNeeded();
  await b.screenshot({ path: "/tmp/shots-host/members-cohost-phone.png" });
  await a.getByRole("heading", { name: "In the room" }).scrollIntoViewIfNeeded();
  await a.screenshot({ path: "/tmp/shots-host/members-host-desktop.png" });
  await a.getByRole("button", { name: "Stop recording" }).click();
  for (const p of [a, b]) await expect(p.getByRole("status").filter({ hasText: "REC" })).toHaveCount(0);
  await b.getByRole("button", { name: "Rename room" }).click();
  await b.screenshot({ path: "/tmp/shots-host/rename-phone.png" });
  await b.getByRole("button", { name: "Cancel" }).click();

  // Ada passes the host role to Bo (the dialog is accepted above): one host, and Ada keeps no powers.
  await a.getByRole("button", { name: "Make host: Bo" }).click();
  await expect(member(a, "Bo")).toContainText("host");
  await expect(member(a, "Bo")).not.toContainText("co-host");
  await expect(member(a, "Ada (you)")).not.toContainText("host");
  await expect(a.getByRole("button", { name: "Rename room" })).toHaveCount(0);
  await expect(b.getByRole("button", { name: "Make co-host: Ada" })).toBeVisible();
  await close();
});
