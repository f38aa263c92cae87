/**
 * The replay page in Chromium, for a recording benchmark: how long from
 * navigation until the first hit is scheduled after pressing Play (a big
 * recording must load, build its event lists and draw without stalling), and
 * how fast the page renders a WAV (OfflineAudioContext) as a multiple of real
 * time. Needs a running server (production build) with the recording in it.
 *
 * Launches Chromium through playwright-core with the launch options of
 * playwright.config.ts. Numbers come from the page's own diagnostics
 * (`window.__backbeatReplay.perf`, `.wavRender`: performance.now() marks, i.e.
 * milliseconds since navigation start) plus long tasks (> 50 ms) observed by
 * a PerformanceObserver from the start of the page.
 *
 * This module exports exactly one function (bench/recording.ts calls the
 * first function it finds). CLI: `node --import tsx bench/replay-browser.ts <baseUrl> <recordingId> [wavSeconds]`.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { median } from "../core/stats";

interface LaunchOptions {
  executablePath?: string;
  args?: string[];
}

interface LoadRun {
  /** navigation start → ReplayClient asks for the recording (a <link rel=preload> may have started the download earlier) */
  fetchStartMs: number;
  /** navigation start → the recording's JSON received and parsed (server query + transfer + JSON.parse) */
  fetchedMs: number;
  /** navigation start → hits fetched, event lists built, transport ready */
  readyMs: number;
  /** navigation start → Play pressed (by automation, as soon as the button is enabled) */
  playPressedMs: number;
  /** navigation start → first hit handed to Web Audio */
  firstScheduledMs: number;
  /** Play pressed → first hit handed to Web Audio (includes waiting until the first hit is within the 200 ms look-ahead) */
  playToFirstMs: number;
  /** Play pressed → audio clock running and scheduling started */
  playToAudioMs: number;
  /** position (ms) of the recording's first hit: how much of playToFirstMs is the wait for it */
  firstHitAtMs: number;
  /** long tasks (> 50 ms) on the main thread from navigation to the first scheduled hit */
  longTasks: number;
  longestTaskMs: number;
  /** the position 1 s after the first hit, to show playback runs (≈ 1000 · speed minus start delay) */
  positionAfter1sMs: number;
}

export interface ReplayBrowserResult {
  chromium: string;
  recordingId: string;
  hits: number;
  durationS: number;
  /** one entry per page load (fresh page each time) */
  load: LoadRun[];
  median: { fetchedMs: number; readyMs: number; firstScheduledMs: number; playToFirstMs: number; playToAudioMs: number };
  wav: null | {
    /** the exported range: the first `wavSeconds` of the recording (via ?loop=0-N), or all of it when shorter */
    rangeS: number;
    renderedSec: number;
    wallMs: number;
    totalWallMs: number;
    /** renderedSec / wall seconds of the offline render */
    speed: number;
    hits: number;
    bytes: number;
  };
  /** human-readable lines for a report */
  summary: string[];
}

/** Runs the measurements; `runs` fresh page loads (median reported), then one WAV export of up to `wavSeconds`. */
export async function measureReplayBrowser(
  baseUrl: string,
  recordingId: string,
  opts: { runs?: number; wavSeconds?: number; launch?: LaunchOptions } = {},
): Promise<ReplayBrowserResult> {
  const runs = opts.runs ?? 3;
  const wavSeconds = opts.wavSeconds ?? 120;
  const { chromium } = await import("playwright-core");
  let launch = opts.launch;
  if (!launch) {
    // the test suite's launch options (executable found by scripts/ensure-chromium.mjs)
    const config = (await import("../playwright.config")).default as { use?: { launchOptions?: LaunchOptions } };
    launch = config.use?.launchOptions ?? {};
  }
  const browser = await chromium.launch({ executablePath: launch.executablePath, args: launch.args, headless: true });
  const url = `${baseUrl.replace(/\/$/, "")}/replay/${encodeURIComponent(recordingId)}`;
  try {
    const meta = (await (await fetch(`${baseUrl.replace(/\/$/, "")}/api/recordings/${encodeURIComponent(recordingId)}`)).json()) as {
      hits: unknown[];
      startedAtMs: number;
      endedAtMs: number | null;
    };
    const load: LoadRun[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(() => {
        const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
        w.__longTasks = [];
        try {
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
          }).observe({ type: "longtask", buffered: true });
        } catch {
          /* no long task API */
        }
      });
      await page.goto(url, { waitUntil: "commit", timeout: 120_000 });
      const play = page.getByRole("button", { name: "Play", exact: true });
      await play.waitFor({ state: "visible", timeout: 120_000 });
      await page.waitForFunction(() => window.__backbeatReplay?.perf.readyMs != null, null, { timeout: 120_000, polling: 10 });
      await play.click();
      await page.waitForFunction(() => window.__backbeatReplay?.perf.firstScheduledMs != null, null, { timeout: 60_000, polling: 10 });
      await page.waitForTimeout(1000);
      const r = await page.evaluate(() => {
        const d = window.__backbeatReplay!;
        const first = d.perf.firstScheduledMs!;
        const tasks = (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((t) => t.start <= first);
        return {
          fetchedMs: d.perf.fetchedMs!,
          fetchStartMs: d.perf.fetchStartMs!,
          audioStartedMs: d.perf.audioStartedMs!,
          firstHitAtMs: d.scheduled[0]?.atMs ?? NaN,
          readyMs: d.perf.readyMs!,
          playPressedMs: d.perf.playPressedMs!,
          firstScheduledMs: first,
          longTasks: tasks.length,
          longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)),
          positionMs: d.positionMs,
        };
      });
      load.push({
        fetchedMs: r.fetchedMs,
        fetchStartMs: r.fetchStartMs,
        playToAudioMs: r.audioStartedMs - r.playPressedMs,
        firstHitAtMs: r.firstHitAtMs,
        readyMs: r.readyMs,
        playPressedMs: r.playPressedMs,
        firstScheduledMs: r.firstScheduledMs,
        playToFirstMs: r.firstScheduledMs - r.playPressedMs,
        longTasks: r.longTasks,
        longestTaskMs: r.longestTaskMs,
        positionAfter1sMs: r.positionMs,
      });
      await context.close();
    }

    // WAV: the page exports at most 20 minutes at once; take the first `wavSeconds` as a loop region.
    let wav: ReplayBrowserResult["wav"] = null;
    {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}?loop=0-${wavSeconds}`, { timeout: 120_000 });
      await page.waitForFunction(() => window.__backbeatReplay?.perf.readyMs != null, null, { timeout: 120_000 });
      const button = page.getByRole("button", { name: "Export WAV" });
      if (await button.isEnabled()) {
        await button.click();
        await page.waitForFunction(() => window.__backbeatReplay?.wavRender != null, null, { timeout: 600_000, polling: 100 });
        const w = await page.evaluate(() => window.__backbeatReplay!.wavRender!);
        const loop = await page.evaluate(() => window.__backbeatReplay!.loop);
        wav = { rangeS: loop ? (loop.endMs - loop.startMs) / 1000 : w.renderedSec, ...w };
      }
      await context.close();
    }

    const durationS = meta.endedAtMs !== null ? (meta.endedAtMs - meta.startedAtMs) / 1000 : NaN;
    const med = {
      fetchedMs: median(load.map((l) => l.fetchedMs)),
      playToAudioMs: median(load.map((l) => l.playToAudioMs)),
      readyMs: median(load.map((l) => l.readyMs)),
      firstScheduledMs: median(load.map((l) => l.firstScheduledMs)),
      playToFirstMs: median(load.map((l) => l.playToFirstMs)),
    };
    const f0 = (x: number) => x.toFixed(0);
    const summary = [
      `Replay of ${meta.hits.length.toLocaleString("en")} hits (${(durationS / 60).toFixed(1)} min) in Chromium ${browser.version()}, ${runs} fresh page loads:`,
      `- navigation → recording fetched and parsed: median ${f0(med.fetchedMs)} ms; → event lists built, ready to play: median ${f0(med.readyMs)} ms (${load.map((l) => f0(l.readyMs)).join(", ")})`,
      `- navigation → first hit scheduled after Play: median ${f0(med.firstScheduledMs)} ms (${load.map((l) => f0(l.firstScheduledMs)).join(", ")}); Play → audio running: median ${med.playToAudioMs.toFixed(1)} ms; Play → first hit scheduled: median ${med.playToFirstMs.toFixed(1)} ms (the first hit is ${f0(load[0]?.firstHitAtMs ?? NaN)} ms into the recording and is scheduled 200 ms ahead)`,
      `- main-thread long tasks before the first hit: ${load.map((l) => `${l.longTasks} (longest ${f0(l.longestTaskMs)} ms)`).join(", ")}`,
      wav
        ? `- WAV render (mono 44.1 kHz, ${wav.hits.toLocaleString("en")} hits): ${wav.renderedSec.toFixed(1)} s of audio in ${f0(wav.wallMs)} ms → ${wav.speed.toFixed(0)}× real time (with 16-bit encoding: ${f0(wav.totalWallMs)} ms)`
        : "- WAV render: not measured (export refused)",
    ];
    return { chromium: browser.version(), recordingId, hits: meta.hits.length, durationS, load, median: med, wav, summary };
  } finally {
    await browser.close();
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const [baseUrl, id, wavSeconds] = process.argv.slice(2);
  if (!baseUrl || !id) {
    console.error("usage: node --import tsx bench/replay-browser.ts <baseUrl> <recordingId> [wavSeconds]");
    process.exit(2);
  }
  measureReplayBrowser(baseUrl, id, { wavSeconds: wavSeconds ? Number(wavSeconds) : undefined })
    .then((r) => {
      console.log(r.summary.join("\n"));
      console.log(JSON.stringify({ load: r.load, wav: r.wav }, null, 2));
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
