/**
 * The audio tap (bench/audio-tap.ts) checked offline before anything is
 * measured with it: the app's kits render the benchmark's rhythms in an
 * OfflineAudioContext (seeded Math.random, so every run is the same), the tap
 * listens through the very AudioWorklet and init script the benchmark and
 * e2e/audible.spec.ts use, and every onset must be found where it was
 * scheduled. Start times are deliberately off the sample and render-quantum
 * grid.
 */
import { expect, test, type Page } from "@playwright/test";
import { bundleForPage } from "./support/page-bundle";
import { audioTapArgs, installAudioTap, tapCaptureSchema } from "../bench/audio-tap";
import { RHYTHMS, type RhythmHit } from "../bench/audible-rhythms";


/** the benchmark's bar: the audible groove error is measured to well under a millisecond */
const TOLERANCE_MS = 0.5;
/** the first hit: 0.2 s + 37 frames, and each later one a further 0–0.78 ms off the 32nd grid */
const START_S = 0.2;

let bundle = "";
test.beforeAll(async () => {
  bundle = await bundleForPage(
    'import { createAudioEngine } from "./app/lib/audio/engine"; window.__kit = { createAudioEngine };',
    "audio-tap",
  );
});

interface RenderArgs {
  hits: { pad: string; atS: number; velocity: number }[];
  sampleRate: number;
  kit: string;
  seed: number;
}

/** In the page: renders the hits with the app's engine while the tap listens; returns the tap's capture. */
async function renderAndTap(args: RenderArgs): Promise<unknown> {
  let a = args.seed >>> 0;
  const realRandom = Math.random;
  // mulberry32: the noise buffer and the noise offsets are the same on every run
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    const last = args.hits[args.hits.length - 1]!.atS;
    const ctx = new OfflineAudioContext({ numberOfChannels: 2, length: Math.round((last + 1) * args.sampleRate), sampleRate: args.sampleRate });
    const w = window as unknown as {
      __kit: { createAudioEngine(c: BaseAudioContext, o: { kit: string }): { playHit(p: string, t: number, v: number): void; dispose(): void } };
      __audioTap: { attach(c: BaseAudioContext): Promise<void>; flush(): Promise<void>; read(): unknown };
    };
    const engine = w.__kit.createAudioEngine(ctx, { kit: args.kit });
    await w.__audioTap.attach(ctx);
    for (const h of args.hits) engine.playHit(h.pad, h.atS, h.velocity);
    await ctx.startRendering();
    await w.__audioTap.flush();
    const capture = w.__audioTap.read();
    engine.dispose();
    return capture;
  } finally {
    Math.random = realRandom;
  }
}

async function tapPage(page: Page): Promise<void> {
  await page.addInitScript(installAudioTap, audioTapArgs());
  // AudioWorklet needs a secure context: a page "from" localhost (served by the route, no server)
  await page.route("http://localhost/tap", (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>audio tap check</title>" }),
  );
  await page.goto("http://localhost/tap");
  await page.addScriptTag({ content: bundle });
}

interface Found {
  hit: RhythmHit;
  errorMs: number | null;
}

async function detect(page: Page, kit: string, sampleRate: number, hits: readonly RhythmHit[], seed: number) {
  // off the sample grid (37 frames + a fraction) and, per hit, up to 0.78 ms off the 32nd grid
  const atS = hits.map((h, i) => START_S + (37.3 + ((i * 7) % 6) * 6.5) / sampleRate + h.atMs / 1000 + ((i * 13) % 7) * 0.00013);
  const raw = await page.evaluate(renderAndTap, {
    hits: hits.map((h, i) => ({ pad: h.pad, atS: atS[i]!, velocity: h.accent ? 1 : 0.8 })),
    sampleRate,
    kit,
    seed,
  });
  const cap = tapCaptureSchema.parse(raw);
  expect(cap.contexts.map((c) => [c.sampleRate, c.tapped]), "one offline context, the engine's output stage tapped").toEqual([[sampleRate, ["WaveShaperNode"]]]);
  const onsetsMs = cap.contexts[0]!.onsets.map((o) => (o.frame / sampleRate) * 1000);
  const used = new Set<number>();
  const found: Found[] = hits.map((hit, i) => {
    const dueMs = atS[i]! * 1000;
    // hits are ≥ 75 ms apart: the nearest onset within 20 ms is this hit's
    let best = -1;
    onsetsMs.forEach((o, j) => {
      if (Math.abs(o - dueMs) <= 20 && (best < 0 || Math.abs(o - dueMs) < Math.abs(onsetsMs[best]! - dueMs))) best = j;
    });
    if (best < 0) return { hit, errorMs: null };
    used.add(best);
    return { hit, errorMs: onsetsMs[best]! - dueMs };
  });
  return { found, extra: onsetsMs.length - used.size };
}

function describe(found: Found[]): string {
  const by = new Map<string, number[]>();
  for (const f of found) if (f.errorMs !== null) by.set(f.hit.pad, [...(by.get(f.hit.pad) ?? []), f.errorMs]);
  return [...by].map(([pad, xs]) => `${pad} ${Math.min(...xs).toFixed(3)}…${Math.max(...xs).toFixed(3)} ms (n ${xs.length})`).join(", ");
}

for (const sampleRate of [48_000, 44_100]) {
  for (const rhythm of RHYTHMS) {
    test(`acoustic kit at ${sampleRate} Hz, ${rhythm.name}: every onset found within ±${TOLERANCE_MS} ms of its start, nothing else`, async ({ page }) => {
      await tapPage(page);
      const { found, extra } = await detect(page, "acoustic", sampleRate, rhythm.hits, 7);
      test.info().annotations.push({ type: "onset error (found − scheduled)", description: describe(found) });
      expect(found.filter((f) => f.errorMs === null).map((f) => f.hit), "hits without an onset").toEqual([]);
      expect(extra, "onsets that are no hit").toBe(0);
      const worst = Math.max(...found.map((f) => Math.abs(f.errorMs!)));
      expect(worst, describe(found)).toBeLessThanOrEqual(TOLERANCE_MS);
    });
  }
}

/**
 * The 808 kit is not what the measurements play (the room's default kit is
 * acoustic), but the tap must not be blind to it. Its closed hat is a bank of
 * square waves that start in phase under a 1 ms attack and pass a 7.5 kHz
 * high-pass: its first audible energy comes with the squares' first edges,
 * 0.6–1.1 ms after its start — a property of the sound, so the hat gets that
 * window; kick and snare get ±0.6 ms (an unaccented snare in a fill, 75 ms
 * after another, is found up to 0.53 ms late).
 */
test("808 kit at 48 kHz: every onset found; kick and snare within ±0.6 ms, hats 0–1.5 ms after their start", async ({ context }) => {
  for (const rhythm of RHYTHMS) {
    const page = await context.newPage(); // one tap per page
    await tapPage(page);
    const { found, extra } = await detect(page, "808", 48_000, rhythm.hits, 11);
    test.info().annotations.push({ type: `808 ${rhythm.name}`, description: describe(found) });
    expect(found.filter((f) => f.errorMs === null).map((f) => f.hit), "hits without an onset").toEqual([]);
    expect(extra, "onsets that are no hit").toBe(0);
    for (const f of found) {
      if (f.hit.pad === "hihatClosed") {
        expect(f.errorMs!, `${rhythm.name} ${f.hit.pad} at ${f.hit.atMs} ms`).toBeGreaterThanOrEqual(0);
        expect(f.errorMs!, `${rhythm.name} ${f.hit.pad} at ${f.hit.atMs} ms`).toBeLessThanOrEqual(1.5);
      } else {
        expect(Math.abs(f.errorMs!), `${rhythm.name} ${f.hit.pad} at ${f.hit.atMs} ms`).toBeLessThanOrEqual(0.6);
      }
    }
  }
});
