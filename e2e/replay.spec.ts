/**
 * The replay page: transport, speed, seeking, mute/solo, loop, "as heard"
 * views, statistics on the room's own grid, WAV and stems export, sharing and
 * Open Graph tags. The recording is
 * made quickly and deterministically by two socket.io-client players in the
 * test process (the protocol of test/integration/helpers.ts), not by a UI jam.
 */
import { expect, test, type Page } from "@playwright/test";
import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";
import { io, type Socket } from "socket.io-client";
import { parseWav } from "../app/lib/wav";
import { PROTOCOL_VERSION, type ClientToServerEvents, type RoomView, type ServerToClientEvents } from "../core/protocol";
import { type RecordingJson } from "../core/http-api";
import { AppServer, freePort } from "./server";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Diag {
  state: string;
  positionMs: number;
  durationMs: number;
  scheduled: { participantId: string; seq: number; pad: string; atMs: number; audioTime: number }[];
  mode: string;
  speed: number;
  loop: { startMs: number; endMs: number } | null;
  enabledPlayers: string[];
  runId: number;
  wavRender: { renderedSec: number; wallMs: number; speed: number; hits: number; bytes: number; peakDbfs: number; fromMs: number } | null;
  stemsRender: { files: string[]; frames: number; renderedSec: number; hits: number; peakDbfs: number; fromMs: number } | null;
}
const diag = (page: Page) => page.evaluate(() => window.__backbeatReplay as unknown as Diag);

let app: AppServer | undefined;
let rec: RecordingJson;

const STEP_MS = 125; // 16ths at 120 BPM
const STEPS = 24;
const LEAD_MS = 400;

function connect(url: string): Promise<Client> {
  const socket: Client = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/**
 * Two players (Ada hosts) record 3 s of 16ths on the room's beats (from its epoch), Ada 3 ms
 * late and Bo 5 ms early, with hearings (Bo heard one of Ada's hits late and skipped one).
 */
async function makeRecording(baseUrl: string): Promise<RecordingJson> {
  const created = (await (await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tempoBpm: 120, beatsPerBar: 4 }) })).json()) as { code: string; hostToken: string };
  const [a, b] = await Promise.all([connect(baseUrl), connect(baseUrl)]);
  let room: RoomView | null = null;
  a.on("room:state", (r) => (room = r));
  const joinA = await a.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: created.code, participantId: "ada-000000001", name: "Ada", hostToken: created.hostToken });
  const joinB = await b.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: created.code, participantId: "bo-0000000002", name: "Bo" });
  if (!joinA.ok || !joinB.ok) throw new Error("join failed");
  const started = await a.emitWithAck("recording:start", { title: "Replay test jam" });
  if (!started.ok) throw new Error(`recording:start: ${started.error.message}`);
  await expect.poll(() => (room as RoomView | null)?.recording?.startedAtMs ?? null).not.toBeNull();
  const r = room as unknown as RoomView;
  const beatMs = 60_000 / r.tempoBpm;
  const t0 = r.epochMs + Math.ceil((r.recording!.startedAtMs + LEAD_MS - r.epochMs) / beatMs) * beatMs;
  const aHits: { seq: number; pad: "kick" | "hihatClosed"; strikeAtMs: number }[] = [];
  const bHits: { seq: number; pad: "snare" | "tomLow"; strikeAtMs: number }[] = [];
  for (let s = 0; s < STEPS; s++) {
    if (s % 2 === 0) aHits.push({ seq: aHits.length + 1, pad: s % 8 === 0 ? "kick" : "hihatClosed", strikeAtMs: t0 + s * STEP_MS + 3 });
    if (s % 8 === 4 || s % 8 === 7) bHits.push({ seq: bHits.length + 1, pad: s % 8 === 4 ? "snare" : "tomLow", strikeAtMs: t0 + s * STEP_MS - 5 });
  }
  for (const h of aHits) a.emit("hit", { ...h, velocity: 0.9 });
  for (const h of bHits) b.emit("hit", { ...h, velocity: 0.7 });
  // Bo heard Ada's hits 120 ms later; #3 arrived late (sounded 200 ms after the strike), #5 was skipped.
  await b.emitWithAck("heard", {
    hearings: aHits.map((h) => ({ from: "ada-000000001", seq: h.seq, strikeAtMs: h.strikeAtMs, soundedAtMs: h.strikeAtMs + (h.seq === 3 ? 200 : 120), late: h.seq === 3, skipped: h.seq === 5 })),
  });
  await a.emitWithAck("heard", {
    hearings: bHits.map((h) => ({ from: "bo-0000000002", seq: h.seq, strikeAtMs: h.strikeAtMs, soundedAtMs: h.strikeAtMs + 120, late: false, skipped: false })),
  });
  const lastStrike = Math.max(...aHits.map((h) => h.strikeAtMs), ...bHits.map((h) => h.strikeAtMs));
  // wait (on this machine's clock, which the server shares) until every strike is in the past
  const serverNow = () => performance.timeOrigin + performance.now();
  await new Promise((r) => setTimeout(r, Math.max(0, lastStrike + 300 - serverNow())));
  const stopped = await a.emitWithAck("recording:stop", {});
  if (!stopped.ok) throw new Error(`recording:stop: ${stopped.error.message}`);
  const id = stopped.data.id;
  const total = aHits.length + bHits.length;
  let got: RecordingJson | null = null;
  await expect
    .poll(async () => {
      got = (await (await fetch(`${baseUrl}/api/recordings/${id}`)).json()) as RecordingJson;
      return got.hits.length === total && (got.hearings?.length ?? 0) >= aHits.length + bHits.length;
    }, { timeout: 15_000 })
    .toBe(true);
  a.close();
  b.close();
  return got!;
}

let baseUrl: string;
test.beforeAll(async () => {
  // E2E_BASE_URL: run against an already running server (e.g. `npm run dev`) while developing
  if (process.env.E2E_BASE_URL) baseUrl = process.env.E2E_BASE_URL;
  else {
    app = new AppServer(await freePort());
    await app.start();
    baseUrl = app.url;
  }
  rec = await makeRecording(baseUrl);
});
test.afterAll(async () => {
  await app?.stop();
});

async function open(page: Page, query = ""): Promise<void> {
  await page.goto(`${baseUrl}/replay/${rec.id}${query}`);
  await expect(page.getByRole("heading", { name: "Replay test jam" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Play", exact: true })).toBeEnabled();
}

async function playToEnd(page: Page): Promise<Diag> {
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Finished" })).toBeVisible({ timeout: 20_000 });
  return diag(page);
}

test("plays, pauses, resumes and keeps every hit's timing at 1× and 2×", async ({ page }) => {
  await open(page);
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(page.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
  await page.waitForTimeout(700);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  const paused = await diag(page);
  expect(paused.state).toBe("paused");
  expect(paused.positionMs).toBeGreaterThan(300);
  await page.waitForTimeout(300);
  expect((await diag(page)).positionMs).toBe(paused.positionMs);
  // resumes from there
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Finished" })).toBeVisible({ timeout: 20_000 });
  const resumed = await diag(page);
  expect(resumed.scheduled[0]!.atMs).toBeGreaterThanOrEqual(paused.positionMs - 1);

  // from the start at 1×: all hits, in order, at their strike spacing
  const one = await playToEnd(page);
  expect(one.scheduled.map((s) => s.pad)).toEqual(rec.hits.map((h) => h.pad));
  const gaps1 = one.scheduled.slice(1).map((s, i) => (s.audioTime - one.scheduled[i]!.audioTime) * 1000);
  rec.hits.slice(1).forEach((h, i) => expect(Math.abs(gaps1[i]! - (h.strikeAtMs - rec.hits[i]!.strikeAtMs))).toBeLessThan(0.01));

  // 2×: half the spacing
  await page.getByLabel("Speed").selectOption("2");
  const two = await playToEnd(page);
  expect(two.speed).toBe(2);
  expect(two.scheduled).toHaveLength(rec.hits.length);
  two.scheduled.slice(1).forEach((s, i) => {
    const want = (rec.hits[i + 1]!.strikeAtMs - rec.hits[i]!.strikeAtMs) / 2;
    expect(Math.abs((s.audioTime - two.scheduled[i]!.audioTime) * 1000 - want)).toBeLessThan(0.01);
  });
  await page.getByLabel("Speed").selectOption("0.5");
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await expect.poll(async () => (await diag(page)).scheduled.length, { timeout: 5000 }).toBeGreaterThan(2);
  const half = await diag(page);
  const want = (rec.hits[1]!.strikeAtMs - rec.hits[0]!.strikeAtMs) * 2;
  expect(Math.abs((half.scheduled[1]!.audioTime - half.scheduled[0]!.audioTime) * 1000 - want)).toBeLessThan(0.01);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
});

test("the timeline is a keyboard slider; seeking moves the position and what plays next", async ({ page }) => {
  await open(page);
  const slider = page.getByRole("slider", { name: "Playback position" });
  await expect(slider).toHaveAttribute("aria-valuenow", "0");
  await expect(page.getByRole("img", { name: /Timeline of 18 hits by Ada, Bo/ })).toBeVisible();
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  await expect(slider).toHaveAttribute("aria-valuenow", "1");
  expect((await diag(page)).positionMs).toBe(1000);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Shift+ArrowRight"); // one beat = 500 ms
  expect((await diag(page)).positionMs).toBe(1500);
  await page.keyboard.press("End");
  expect((await diag(page)).positionMs).toBe((await diag(page)).durationMs);
  await page.keyboard.press("Home");
  expect((await diag(page)).positionMs).toBe(0);
  // seek to 2 s and play: nothing before it is scheduled
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  const d = await playToEnd(page);
  const firstAt = rec.hits.findIndex((h) => h.strikeAtMs - rec.startedAtMs >= 2000);
  expect(d.scheduled.map((s) => s.seq + s.participantId)).toEqual(rec.hits.slice(firstAt).map((h) => h.seq + h.participantId));
  // clicking the timeline seeks too
  const box = (await slider.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const mid = (await diag(page)).positionMs;
  expect(mid).toBeGreaterThan(d.durationMs * 0.4);
  expect(mid).toBeLessThan(d.durationMs * 0.6);
});

test("mute, solo and loop change what is scheduled", async ({ page }) => {
  await open(page);
  const ada = rec.participants.find((p) => p.name === "Ada")!.id;
  const bo = rec.participants.find((p) => p.name === "Bo")!.id;
  const mute = page.getByRole("button", { name: "Mute Ada" });
  await mute.click();
  await expect(mute).toHaveAttribute("aria-pressed", "true");
  let d = await playToEnd(page);
  expect(d.scheduled.length).toBeGreaterThan(0);
  expect(d.scheduled.every((s) => s.participantId === bo)).toBe(true);
  expect(d.enabledPlayers).toEqual([bo]);
  await mute.click();
  const solo = page.getByRole("button", { name: "Solo Ada" });
  await solo.click();
  await expect(solo).toHaveAttribute("aria-pressed", "true");
  d = await playToEnd(page);
  expect(d.scheduled.map((s) => s.seq)).toEqual(rec.hits.filter((h) => h.participantId === ada).map((h) => h.seq));
  await solo.click();

  // loop 1 s – 2 s via the buttons at keyboard-seeked positions
  const slider = page.getByRole("slider", { name: "Playback position" });
  await slider.focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowRight");
  await page.getByRole("button", { name: "Set loop start" }).click();
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  await page.getByRole("button", { name: "Set loop end" }).click();
  const loopButton = page.getByRole("button", { name: "Loop", exact: true });
  await expect(loopButton).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByText("Loop 0:01.0–0:02.0")).toBeVisible();
  await slider.focus();
  await page.keyboard.press("Home");
  await page.getByLabel("Speed").selectOption("2");
  await page.getByRole("button", { name: "Play", exact: true }).click();
  // 1 s to the loop end + 3 laps of 1 s, at 2×: ~2 s
  await page.waitForTimeout(2300);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  d = await diag(page);
  expect(d.loop).toEqual({ startMs: 1000, endMs: 2000 });
  expect(d.state).toBe("paused");
  const inLoop = rec.hits.filter((h) => h.strikeAtMs - rec.startedAtMs >= 1000 && h.strikeAtMs - rec.startedAtMs < 2000);
  const lap = inLoop.map((h) => h.participantId + h.seq);
  const seen = d.scheduled.map((s) => s.participantId + s.seq);
  const lead = rec.hits.filter((h) => h.strikeAtMs - rec.startedAtMs < 1000).length;
  // the first pass, then the loop region again and again; never anything after it
  expect(seen.slice(0, lead + lap.length)).toEqual(rec.hits.slice(0, lead + lap.length).map((h) => h.participantId + h.seq));
  expect(seen.slice(lead + lap.length, lead + 2 * lap.length)).toEqual(lap);
  expect(seen.length).toBeGreaterThanOrEqual(lead + 3 * lap.length);
  expect(d.scheduled.every((s) => s.atMs < 2000)).toBe(true);
  // audio times keep increasing across the wrap
  for (let i = 1; i < d.scheduled.length; i++) expect(d.scheduled[i]!.audioTime).toBeGreaterThanOrEqual(d.scheduled[i - 1]!.audioTime);
  expect(d.positionMs).toBeGreaterThanOrEqual(1000);
  expect(d.positionMs).toBeLessThan(2000);
  await loopButton.click();
  await expect(loopButton).toHaveAttribute("aria-pressed", "false");
  await page.getByRole("button", { name: "Clear loop" }).click();
  await expect(page.getByText("No loop")).toBeVisible();
});

test("as Bo heard it: Ada's hits at when they sounded for Bo, late and skipped counted", async ({ page }) => {
  // The fixture reports hearings (one late, one skipped); the server must have kept them.
  expect(rec.hearings.length).toBeGreaterThan(0);
  await open(page);
  const ada = rec.participants.find((p) => p.name === "Ada")!.id;
  const view = page.getByLabel("View");
  await expect(view.locator("option")).toHaveText(["As played", "As Ada heard it", "As Bo heard it"]);
  await view.selectOption({ label: "As Bo heard it" });
  const d = await playToEnd(page);
  expect(d.mode).toMatch(/^heard:/);
  const hearing = new Map(rec.hearings.filter((h) => h.senderId === ada).map((h) => [h.seq, h]));
  const adaScheduled = d.scheduled.filter((s) => s.participantId === ada);
  // the skipped one is silent
  expect(adaScheduled.map((s) => s.seq)).toEqual([...hearing.values()].filter((h) => !h.skipped).sort((x, y) => x.soundedAtMs - y.soundedAtMs).map((h) => h.seq));
  for (const s of adaScheduled) expect(s.atMs).toBeCloseTo(hearing.get(s.seq)!.soundedAtMs - rec.startedAtMs, 6);
  // scheduled in the order they sounded, audio times following the heard times
  for (let i = 1; i < d.scheduled.length; i++) {
    const gap = (d.scheduled[i]!.audioTime - d.scheduled[i - 1]!.audioTime) * 1000;
    expect(Math.abs(gap - (d.scheduled[i]!.atMs - d.scheduled[i - 1]!.atMs))).toBeLessThan(0.01);
  }
  const row = page.getByRole("row", { name: /Ada/ });
  // Ada: 12 hits, 11 heard, 1 late, 1 skipped, 0 not reported
  await expect(row.getByRole("cell")).toHaveText(["12", /ms/, /ms/, "11", "1", "1", "0"]);
});

test("timing statistics per player at a chosen subdivision", async ({ page }) => {
  await open(page);
  const sub = page.getByLabel("Subdivision");
  await expect(sub).toHaveValue("16");
  const ada = page.getByRole("row", { name: /Ada/ });
  const bo = page.getByRole("row", { name: /Bo/ });
  await expect(ada.getByRole("cell").first()).toHaveText("12");
  await expect(bo.getByRole("cell").first()).toHaveText("6");
  // Ada plays 3 ms late and Bo 5 ms early on the room's 16th grid: measured against the grid the
  // recording stored (no fitting), that is what the table says, and each is perfectly tight (IQR 0).
  const num = async (row: typeof ada, i: number) => Number((await row.getByRole("cell").nth(i).innerText()).replace("−", "-").replace("±", "").replace(" ms", ""));
  expect(await num(ada, 1)).toBeCloseTo(3, 1);
  expect(await num(bo, 1)).toBeCloseTo(-5, 1);
  expect(await num(ada, 2)).toBeCloseTo(0, 1);
  await expect(page.getByText("The grid is the room's own")).toBeVisible();
  await sub.selectOption("4");
  await expect(page.getByRole("table")).toContainText("Spread (IQR)");
});

test("exports the mix and one player as WAV with a progress bar", async ({ page }) => {
  await open(page);
  await page.getByRole("button", { name: "Export WAV" }).click();
  const link = page.getByRole("link", { name: "Download WAV" });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/\.wav$/);
  const bytes = new Uint8Array(readFileSync(await download.path()));
  const info = parseWav(bytes);
  const d = await diag(page);
  expect(info).toMatchObject({ audioFormat: 1, bitsPerSample: 16, channels: 2, sampleRate: 44100 });
  // from the bar line at or before the recording start (the MIDI file's time 0) to the end, plus the ring-out
  expect(d.wavRender!.fromMs).toBeLessThanOrEqual(0);
  expect(d.wavRender!.fromMs).toBeGreaterThan(-2_000); // a bar at 120 BPM
  expect(info.durationS).toBeCloseTo((d.durationMs - d.wavRender!.fromMs) / 1000 + 1.5, 2);
  expect(d.wavRender!.renderedSec).toBeCloseTo(info.durationS, 3);
  expect(d.wavRender!.hits).toBe(rec.hits.length);
  // not silence
  const pcm = new Int16Array(bytes.buffer.slice(info.dataOffset, info.dataOffset + info.dataBytes));
  let peak = 0;
  for (const s of pcm) peak = Math.max(peak, Math.abs(s));
  expect(peak).toBeGreaterThan(1000);
  expect(20 * Math.log10(peak / 32768)).toBeLessThanOrEqual(-1);
  expect(d.wavRender!.peakDbfs).toBeLessThanOrEqual(-1);
  console.log(`WAV: ${info.durationS.toFixed(2)} s rendered at ${d.wavRender!.speed.toFixed(0)}× real time`);

  await page.getByLabel("WAV mix").selectOption({ label: "Bo only" });
  await page.getByRole("button", { name: "Export WAV" }).click();
  // the progress bar is there while rendering (it may be brief)
  await expect(link).toBeVisible({ timeout: 30_000 });
  expect((await diag(page)).wavRender!.hits).toBe(rec.hits.filter((h) => h.participantId === rec.participants.find((p) => p.name === "Bo")!.id).length);
});

test("exports stems: one stereo WAV per player in a ZIP, same start and length, with a labelled progress bar", async ({ page }) => {
  await open(page);
  const seen: string[] = [];
  await page.exposeFunction("__sawProgress", (label: string) => seen.push(label));
  await page.evaluate(() => {
    new MutationObserver(() => {
      const bar = document.querySelector("progress");
      if (bar) (window as unknown as { __sawProgress: (l: string) => void }).__sawProgress(bar.getAttribute("aria-label") ?? "");
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole("button", { name: "Export stems (ZIP)" }).click();
  const link = page.getByRole("link", { name: "Download stems (ZIP)" });
  await expect(link).toBeVisible({ timeout: 30_000 });
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((l) => l === "Rendering stems")).toBe(true);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/-stems\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  expect(Object.keys(files)).toEqual(["01-ada.wav", "02-bo.wav"]);
  const infos = Object.values(files).map((f) => parseWav(f));
  const d = await diag(page);
  for (const info of infos) {
    expect(info).toMatchObject({ channels: 2, sampleRate: 44100, frames: infos[0]!.frames });
    expect(info.durationS).toBeCloseTo((d.durationMs - d.stemsRender!.fromMs) / 1000 + 1.5, 2);
  }
  expect(d.stemsRender!.hits).toBe(rec.hits.length);
  expect(d.stemsRender!.peakDbfs).toBeLessThanOrEqual(-1);
});

test("the WAV progress bar is labelled and advances", async ({ page }) => {
  await open(page);
  // watch every change of the progress bar while the render runs
  await page.evaluate(() => {
    const seen: { label: string | null; value: number }[] = [];
    (window as unknown as { __progress: typeof seen }).__progress = seen;
    new MutationObserver(() => {
      const bar = document.querySelector("progress");
      if (bar) seen.push({ label: bar.getAttribute("aria-label"), value: bar.value });
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole("button", { name: "Export WAV" }).click();
  await expect(page.getByRole("link", { name: "Download WAV" })).toBeVisible({ timeout: 30_000 });
  const seen = await page.evaluate(() => (window as unknown as { __progress: { label: string | null; value: number }[] }).__progress);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.every((s) => s.label === "Rendering WAV")).toBe(true);
  expect(Math.max(...seen.map((s) => s.value))).toBeGreaterThan(0);
  // never goes backwards
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.value).toBeGreaterThanOrEqual(seen[i - 1]!.value);
});

test("share: copy link, JSON and MIDI links, Open Graph tags, and a friendly 404", async ({ browser }) => {
  const ctx = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await ctx.newPage();
  await open(page);
  await page.getByRole("link", { name: "Copy replay link" }).click();
  await expect(page.getByText("Replay link copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseUrl}/replay/${rec.id}`);
  await expect(page.getByRole("link", { name: "Download JSON" })).toHaveAttribute("href", `/api/recordings/${rec.id}?download=json`);
  await expect(page.getByRole("link", { name: "Download MIDI" })).toHaveAttribute("href", `/api/recordings/${rec.id}/midi`);

  // what link previewers get: the recording's own title and description
  for (const ua of ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "facebookexternalhit/1.1", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)"]) {
    const html = await (await page.request.get(`${baseUrl}/replay/${rec.id}`, { headers: { "user-agent": ua } })).text();
    expect(html).toContain(`<meta property="og:title" content="Replay test jam — Ada and Bo"`);
    expect(html).toMatch(/<meta property="og:description" content="Ada and Bo jamming for 0:0\d at 120 BPM/);
    expect(html).toMatch(/<title>Replay test jam · Backbeat<\/title>/);
  }
  // a browser gets the recording's head too (from the hit-less summary, within 0.5 s: issue 12)
  const html = await (await page.request.get(`${baseUrl}/replay/${rec.id}`, { headers: { "user-agent": "Mozilla/5.0 Chrome/150" } })).text();
  expect(html).toContain(`<meta property="og:title" content="Replay test jam — Ada and Bo"`);
  await expect(page).toHaveTitle("Replay test jam · Backbeat");
  const missing = await (await page.request.get(`${baseUrl}/replay/unknownRecordingId`, { headers: { "user-agent": "Slackbot" } })).text();
  expect(missing).toContain(`<meta property="og:title" content="A Backbeat jam — listen back"`);
  await page.goto(`${baseUrl}/replay/unknownRecordingId`);
  await expect(page.getByRole("heading", { name: "Recording not found" })).toBeVisible();
  await ctx.close();
});

test("phone portrait: no horizontal overflow, controls reachable", async ({ browser }) => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await open(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.getByRole("button", { name: "Play", exact: true }).click();
  // no layout shift while playing
  const before = await page.getByRole("slider", { name: "Playback position" }).boundingBox();
  await page.waitForTimeout(500);
  expect(await page.getByRole("slider", { name: "Playback position" }).boundingBox()).toEqual(before);
  await ctx.close();
});
