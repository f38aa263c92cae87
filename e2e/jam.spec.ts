import { expect, test, type Page } from "@playwright/test";
import type { RecordingJson } from "../core/http-api";
import { useAppServer } from "./support/app";

interface DiagHit {
  kind: "local" | "remote";
  from: string;
  seq: number;
  pad: string;
  strikeAtMs: number;
  timedStrikeAtMs?: number;
  path?: "direct" | "relay";
  scheduledAtMs: number;
  late: boolean;
  playoutDelayMs: number;
}
interface Diag {
  participantId: string;
  clockOffsetMs: number | null;
  rttMs: number | null;
  syncSamples: number;
  playoutDelayMs: number;
  hits: DiagHit[];
}

const diag = (page: Page) => page.evaluate(() => (window as unknown as { __backbeat: Diag }).__backbeat);
/** True clock-sync error: both browsers and the server share this machine's clock. */
const clockError = (page: Page) =>
  page.evaluate(() => {
    const bb = (window as unknown as { __backbeat: { sharedNow(): number } }).__backbeat;
    return bb.sharedNow() - (performance.timeOrigin + performance.now());
  });

const app = useAppServer();

test("two players jam through a link, record, and replay after a server restart", async ({ browser }) => {
  const ctxA = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"], baseURL: app.url });
  const ctxB = await browser.newContext({ baseURL: app.url, viewport: { width: 390, height: 844 } });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();

  // 1–2. Create a room, land on /room/<code>, copy its link.
  await a.goto("/");
  await a.getByLabel("Your name").fill("Ada");
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\/[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}$/);
  await expect(a.getByText(/Connected · clock synced/)).toBeVisible();
  await a.getByRole("button", { name: "Copy room link" }).click();
  await expect(a.getByText("Room link copied")).toBeVisible();
  const link = await a.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(a.url());

  // 3. The partner opens the link, types a name; both see each other.
  await b.goto(link);
  await b.getByLabel("Your name").fill("Bo");
  await b.getByRole("button", { name: "Join room" }).click();
  for (const p of [a, b]) {
    await expect(p.getByRole("listitem").filter({ hasText: "Ada" })).toBeVisible();
    await expect(p.getByRole("listitem").filter({ hasText: "Bo" })).toBeVisible();
    await expect(p.getByRole("listitem").filter({ hasText: /good · \d+ ms/ }).first()).toBeVisible();
  }
  await expect.poll(async () => (await diag(a)).syncSamples, { timeout: 15_000 }).toBeGreaterThanOrEqual(8);
  await expect.poll(async () => (await diag(b)).syncSamples, { timeout: 15_000 }).toBeGreaterThanOrEqual(8);
  for (const p of [a, b]) expect(Math.abs(await clockError(p))).toBeLessThan(5);

  // 5. Metronome toggle.
  const metro = a.getByRole("button", { name: "Metronome" });
  await expect(metro).toHaveAttribute("aria-pressed", "true");
  await metro.click();
  await expect(metro).toHaveAttribute("aria-pressed", "false");
  await metro.click();
  await expect(metro).toHaveAttribute("aria-pressed", "true");

  // 6. Record.
  await a.getByRole("button", { name: "Start recording" }).click();
  await expect(b.getByRole("button", { name: "Stop recording" })).toBeVisible();

  // 4. Both hit pads: mouse, keyboard, touch-sized phone viewport.
  await a.getByRole("button", { name: "Kick", exact: true }).click();
  await a.waitForTimeout(150);
  await a.keyboard.press("c"); // Snare
  await a.waitForTimeout(150);
  await b.getByRole("button", { name: "Closed hi-hat" }).click();
  await b.waitForTimeout(150);
  await b.getByRole("button", { name: "Crash" }).focus();
  await b.keyboard.press("Enter");

  const remoteOf = async (p: Page, n: number) => {
    await expect.poll(async () => (await diag(p)).hits.filter((h) => h.kind === "remote").length).toBe(n);
    return (await diag(p)).hits.filter((h) => h.kind === "remote");
  };
  const atB = await remoteOf(b, 2);
  const atA = await remoteOf(a, 2);
  expect(atB.map((h) => h.pad)).toEqual(["kick", "snare"]);
  expect(atA.map((h) => h.pad)).toEqual(["hihatClosed", "crash"]);
  const localA = (await diag(a)).hits.filter((h) => h.kind === "local");
  // The partner's hit keeps its strike time and is due at strike + playout delay: the strike as the
  // playout timed it (over the direct path, the sender's own clock: core/peer-clock.ts; on one
  // machine it reads within a few ms of the stamp).
  for (const h of [...atA, ...atB]) {
    expect(h.late).toBe(false);
    expect(h.timedStrikeAtMs).toBeDefined();
    expect(h.scheduledAtMs - h.timedStrikeAtMs!).toBeCloseTo(h.playoutDelayMs, 3); // epoch-sized floats: ~2e-4 ms apart
    if (h.path === "relay") expect(h.timedStrikeAtMs).toBe(h.strikeAtMs);
    else expect(Math.abs(h.timedStrikeAtMs! - h.strikeAtMs)).toBeLessThan(10);
    expect(h.playoutDelayMs).toBeGreaterThan(0);
  }
  expect(atB.map((h) => h.strikeAtMs)).toEqual(localA.map((h) => h.strikeAtMs));
  // Pads light up for the partner's hits when they sound.
  await b.getByRole("button", { name: "Kick", exact: true }).click();
  await expect(a.getByRole("button", { name: "Kick", exact: true })).toHaveAttribute("data-remote-lit", "1");

  await a.getByRole("button", { name: "Stop recording" }).click();
  const replayLink = a.getByRole("link", { name: /^Jam / }).first();
  await expect(replayLink).toBeVisible();
  await expect(b.getByRole("link", { name: /^Jam / }).first()).toBeVisible();
  await expect(a.getByText(/5 hits · /)).toBeVisible({ timeout: 10_000 });
  const href = await replayLink.getAttribute("href");
  expect(href).toMatch(/^\/replay\/[A-Za-z0-9_-]{22}$/);

  // Replay after a server restart, in a fresh browser context.
  await app.stop();
  await app.start();
  const ctxC = await browser.newContext({ baseURL: app.url });
  const c = await ctxC.newPage();
  await c.goto(href!);
  await expect(c.getByText(/5 hits/).first()).toBeVisible();
  await c.getByRole("button", { name: "Play", exact: true }).click();
  await expect(c.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
  await expect(c.getByRole("status").filter({ hasText: "Finished" })).toBeVisible({ timeout: 20_000 });
  const replay = await c.evaluate(() => window.__backbeatReplay!);
  const rec = (await (await c.request.get(`/api/recordings/${href!.split("/").pop()}`)).json()) as RecordingJson;
  expect(replay.scheduled.map((s) => s.pad)).toEqual(rec.hits.map((h) => h.pad));
  // Every hit is scheduled at its original time relative to the first one.
  const first = replay.scheduled[0]!;
  for (const [i, s] of replay.scheduled.entries()) {
    const wantMs = rec.hits[i]!.strikeAtMs - rec.hits[0]!.strikeAtMs;
    expect(Math.abs((s.audioTime - first.audioTime) * 1000 - wantMs)).toBeLessThan(0.01);
  }
  await Promise.all([ctxA.close(), ctxB.close(), ctxC.close()]);
});

test("a missing room shows a friendly page", async ({ page }) => {
  await page.goto(`${app.url}/room/nosuch-room-9`);
  await expect(page.getByRole("heading", { name: "Room not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create a room" })).toBeVisible();
  await page.goto(`${app.url}/replay/unknownRecordingId`);
  await expect(page.getByRole("heading", { name: "Recording not found" })).toBeVisible();
});
