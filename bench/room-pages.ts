/**
 * Playwright steps shared by the audible benchmark (e2e-bench/audible.spec.ts)
 * and e2e/audible.spec.ts: two players in one room through the real pages,
 * the page's sounds reduced to the partner's hits, and strikes played through
 * the room page's keyboard path.
 */
import { expect, type BrowserContext, type Locator, type Page } from "@playwright/test";
import type { RhythmHit } from "./audible-rhythms";
import { audioTapArgs, installAudioTap, tapCaptureSchema, type TapCapture } from "./audio-tap";

export interface PlayerOptions {
  /** AudioContext latencyHint through the diagnostics switch (app/lib/identity.ts loadLatencyHint) */
  latencyHint?: "interactive" | number;
  /** quick ↔ safe (localStorage backbeat:lateTarget) */
  lateTarget?: "tight" | "normal" | "safe";
  /** install the audio tap (the context must have been created with bypassCSP: true) */
  tap?: boolean;
  /** keep the waveform ± this long around each onset (for a closer look at a surprise) */
  snippetMs?: number;
  /**
   * Let the pages open the direct path (issue 15: a WebRTC channel between them, here over
   * loopback, beside the proxied relay). Off by default: the benchmarks' figures are relay-only,
   * as they were before the direct path existed (e2e-bench/direct.spec.ts compares the two).
   */
  directPath?: boolean;
}

/** An init script leaving the page without WebRTC: the client then plays over the relay only. */
export function relayOnly(): void {
  delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
}

/** Before any page script: the diagnostics switches and, if asked, the audio tap. */
export async function preparePlayer(ctx: BrowserContext, o: PlayerOptions): Promise<void> {
  const settings: Record<string, string> = {};
  if (o.latencyHint !== undefined) settings["backbeat:latencyHint"] = String(o.latencyHint);
  if (o.lateTarget) settings["backbeat:lateTarget"] = o.lateTarget;
  await ctx.addInitScript((s: Record<string, string>) => {
    for (const [k, v] of Object.entries(s)) localStorage.setItem(k, v);
  }, settings);
  if (o.tap) await ctx.addInitScript(installAudioTap, audioTapArgs({ snippetMs: o.snippetMs }));
  if (!o.directPath) await ctx.addInitScript(relayOnly);
}

const syncSamples = (page: Page) =>
  page.evaluate(() => (window as unknown as { __backbeat?: { syncSamples: number } }).__backbeat?.syncSamples ?? 0);

/** `a` creates a room, `b` joins it (the same flow as e2e/jam.spec.ts); resolves once both have synced their clocks. */
export async function createAndJoin(a: Page, b: Page, names: [string, string] = ["Ada", "Bo"], minSyncSamples = 12): Promise<string> {
  await a.goto("/");
  await a.getByLabel("Your name").fill(names[0]);
  await a.getByRole("button", { name: "Create room" }).click();
  await expect(a).toHaveURL(/\/room\/[^/?#]+$/, { timeout: 20_000 });
  const code = new URL(a.url()).pathname.split("/").pop()!;
  await b.goto(`/room/${code}`);
  await b.getByLabel("Your name").fill(names[1]);
  await b.getByRole("button", { name: "Join room" }).click();
  // the member list ("In the room"), not the join/leave notices that also name them
  for (const p of [a, b]) {
    const people = p.getByRole("region", { name: "In the room" });
    for (const n of names) await expect(people.getByRole("listitem").filter({ hasText: n })).toBeVisible({ timeout: 20_000 });
  }
  for (const p of [a, b]) await expect.poll(() => syncSamples(p), { timeout: 20_000 }).toBeGreaterThanOrEqual(minSyncSamples);
  return code;
}

/** Metronome and backing groove off, so the page plays nothing but hits (Backing is in the settings sheet). */
export async function silenceRoom(page: Page): Promise<void> {
  const off = async (scope: Page | Locator, name: string) => {
    const button = scope.getByRole("button", { name, exact: true });
    if ((await button.getAttribute("aria-pressed")) === "true") await button.click();
    await expect(button).toHaveAttribute("aria-pressed", "false");
  };
  await off(page, "Metronome");
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const sheet = page.getByRole("dialog", { name: "Settings" });
  await off(sheet, "Backing");
  await sheet.getByRole("button", { name: "Close", exact: true }).click();
  await expect(sheet).toBeHidden();
}

/** Starts the page's audio tap (once the room's engine exists). */
export async function startTap(page: Page): Promise<{ contexts: { sampleRate: number; tapped: string[] }[] }> {
  await expect
    .poll(() => page.evaluate(() => typeof (window as unknown as { __backbeat?: unknown }).__backbeat === "object"), { timeout: 20_000 })
    .toBe(true);
  return page.evaluate(() =>
    (window as unknown as { __audioTap: { start(): Promise<{ contexts: { sampleRate: number; tapped: string[] }[] }> } }).__audioTap.start(),
  );
}

/** Everything the tap heard so far (after the worklet's last messages arrived). */
export async function readTap(page: Page): Promise<TapCapture> {
  const raw = await page.evaluate(async () => {
    const tap = (window as unknown as { __audioTap: { flush(): Promise<void>; read(): unknown } }).__audioTap;
    await tap.flush();
    return tap.read();
  });
  return tapCaptureSchema.parse(raw);
}

export interface PlayArgs {
  /** true time (this machine's epoch ms) of the first strike */
  startTrueMs: number;
  hits: readonly Pick<RhythmHit, "atMs" | "key" | "accent">[];
}

/**
 * Plays hits by dispatching keydown events on window — the room page's own
 * keyboard path, whose handler takes the strike time from `event.timeStamp`
 * (Shift: velocity 1). Returns every event's timeStamp (performance.now()
 * base): the TRUE strike time is `timeOrigin + timeStamp`. Serialised into
 * the page: self-contained.
 */
export function playHitsInPage(args: PlayArgs): Promise<number[]> {
  return new Promise((resolve) => {
    const startLocalMs = args.startTrueMs - performance.timeOrigin;
    const stamps: number[] = [];
    let k = 0;
    const fire = () => {
      const h = args.hits[k]!;
      // timers wake a few ms early and the rest is spun, so strikes sit on the grid
      while (performance.now() < startLocalMs + h.atMs) {
        /* spin ≤ 4 ms */
      }
      const ev = new KeyboardEvent("keydown", { key: h.key, shiftKey: h.accent, bubbles: true, cancelable: true });
      window.dispatchEvent(ev);
      stamps.push(ev.timeStamp);
      k++;
      if (k >= args.hits.length) return resolve(stamps);
      setTimeout(fire, Math.max(0, startLocalMs + args.hits[k]!.atMs - performance.now() - 4));
    };
    setTimeout(fire, Math.max(0, startLocalMs + args.hits[0]!.atMs - performance.now() - 4));
  });
}

/** after a rhythm's last strike, before its listener's diagnostics are read: longer than any hit's way there (continental relay ≈ 200 ms) */
const SETTLE_BEFORE_READING_MS = 700;

/** What the rhythm runs read of the listener's diagnostics. */
type ListenerDiag = { hits: { kind: string; from: string }[]; partners?: { from: string; delayChanges: number }[] };
const listenerDiag = (p: Page) => p.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __backbeat: object }).__backbeat)) as ListenerDiag);

/**
 * The audible cell's rhythms (bench/audible-bench.ts CELL_RHYTHMS), played by `a`'s page one after
 * the other: each starts 1 s after it is handed over, and the next waits until `b` logged every hit
 * so far from `partnerId`, then `gapMs`. Returns the runs as analyseCell reads them.
 */
export async function playCellRhythms(
  a: Page,
  b: Page,
  partnerId: string,
  rhythms: readonly { name: string; hits: RhythmHit[] }[],
  gapMs: number,
): Promise<{ rhythm: string; stampsMs: number[]; intendedMs: number[]; t0: number; tEnd: number; delayChangesAfter: number }[]> {
  const fromPartner = async () => (await listenerDiag(b)).hits.filter((h) => h.kind === "remote" && h.from === partnerId).length;
  const runs = [];
  let played = 0;
  for (const rhythm of rhythms) {
    const startTrueMs = performance.timeOrigin + performance.now() + 1_000;
    const t0 = performance.now();
    const stampsMs = await a.evaluate(playHitsInPage, { startTrueMs, hits: rhythm.hits });
    const tEnd = performance.now();
    played += stampsMs.length;
    // Not while the last hits are still arriving: reading b's diagnostics builds and serialises
    // its whole log on b's main thread (tens of ms late in a jam), and a hit that arrives
    // meanwhile waits for it: a transit of the bench's making that the playout would learn.
    await a.waitForTimeout(SETTLE_BEFORE_READING_MS);
    await expect.poll(fromPartner, { timeout: 10_000 }).toBe(played);
    const partner = (await listenerDiag(b)).partners?.find((x) => x.from === partnerId);
    runs.push({ rhythm: rhythm.name, stampsMs, intendedMs: rhythm.hits.map((h) => h.atMs), t0, tEnd, delayChangesAfter: partner?.delayChanges ?? 0 });
    await a.waitForTimeout(gapMs);
  }
  return runs;
}
