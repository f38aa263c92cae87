/**
 * The audio exports (app/lib/replay-wav.ts) rendered for real in Chromium,
 * without the Next app (bundled with esbuild into a blank page, like
 * audio-engine.spec.ts), and read back in Node like a DAW would: the WAV's
 * header (stereo), its peak (issue 12: at most −1 dBFS, nothing in a soft
 * clipper) and the stems' ZIP (fflate: one WAV per player, same length and
 * start). Math.random is seeded, so the noise in the voices is the same on
 * every run.
 */
import { expect, test, type Page } from "@playwright/test";
import { bundleForPage } from "./support/page-bundle";
import { unzipSync } from "fflate";
import type { Hit } from "../core/hit";
import type { PadId } from "../core/kit";
import { parseWav } from "../app/lib/wav";


declare global {
  interface Window {
    __wavExport: {
      renderWav: typeof import("../app/lib/replay-wav").renderWav;
      renderStems?: typeof import("../app/lib/replay-wav").renderStems;
      buildEvents: typeof import("../core/replay").buildEvents;
      selectPlayable: typeof import("../core/replay").selectPlayable;
      replayPlayers: typeof import("../core/replay").replayPlayers;
      engine: Pick<typeof import("../app/lib/audio/engine"), "createOutputChain" | "EXPORT_GAIN" | "EXPORT_PAN">;
    };
  }
}

let bundle = "";
test.beforeAll(async () => {
  bundle = await bundleForPage(
    [
        'import * as wav from "./app/lib/replay-wav";',
        'import { buildEvents, selectPlayable, replayPlayers } from "./core/replay";',
        'import * as engine from "./app/lib/audio/engine";',
        "window.__wavExport = { renderWav: wav.renderWav, renderStems: wav.renderStems, buildEvents, selectPlayable, replayPlayers, engine };",
      ].join("\n"),
    "wav-export",
  );
});

async function openPage(page: Page): Promise<void> {
  await page.setContent("<!doctype html><title>wav export check</title>");
  await page.addScriptTag({ content: "window.TONE_SILENCE_LOGGING = true;" });
  await page.addScriptTag({ content: bundle });
}

/**
 * Issue 12's worst case: two players each striking kick, both hi-hats, snare,
 * ride and crash at full velocity at once, eight times, the second player 0 to
 * 13 ms behind (transients meeting at different phases).
 */
const WORST_PADS: PadId[] = ["kick", "hihatClosed", "hihatOpen", "snare", "ride", "crash"];
const OFFSETS_MS = [0, 0, 1, 2, 3, 5, 8, 13];

interface Rendered {
  kind: "mix" | "stems";
  /** base64 of the WAV or ZIP */
  data: string;
  peakDbfs: number | null;
  scale: number | null;
  hits: number;
}

async function renderWorstCase(page: Page, kind: "mix" | "stems"): Promise<Rendered> {
  return page.evaluate(
    async ({ kind, pads, offsets }) => {
      let seed = 7;
      Math.random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const x = window.__wavExport;
      const startedAtMs = 1_000_000;
      const hits: Hit[] = [];
      offsets.forEach((off, i) => {
        for (const [p, pid] of ["ada", "bo"].entries()) {
          for (const pad of pads) hits.push({ participantId: pid, seq: hits.length + 1, strikeAtMs: startedAtMs + 300 + i * 1_500 + p * off, pad, velocity: 1 });
        }
      });
      hits.sort((a, b) => a.strikeAtMs - b.strikeAtMs);
      const rec = {
        id: "w", roomCode: "c", title: "t", createdAt: "", startedAtMs, endedAtMs: startedAtMs + 12_500, tempoBpm: 120, beatsPerBar: 4, beatUnit: 4,
        participants: [{ id: "ada", name: "Ada", color: "#f00" }, { id: "bo", name: "Bo", color: "#00f" }], battles: [], hits, hearings: [],
      };
      const players = x.replayPlayers(rec);
      const events = x.buildEvents(rec, { kind: "played" }, players);
      const toBase64 = (u8: Uint8Array) => {
        let s = "";
        for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
        return btoa(s);
      };
      if (kind === "mix") {
        const r = await x.renderWav({ rec, events, playable: x.selectPlayable(events, players.map(() => true)), fromMs: 0, toMs: 12_500 });
        const extra = r as unknown as { peakDbfs?: number; scale?: number };
        return { kind, data: toBase64(new Uint8Array(r.wav)), peakDbfs: extra.peakDbfs ?? null, scale: extra.scale ?? null, hits: r.hits };
      }
      const r = await x.renderStems!({ rec, events, players, fromMs: 0, toMs: 12_500 });
      return { kind, data: toBase64(r.zip), peakDbfs: r.peakDbfs, scale: r.scale, hits: r.hits };
    },
    { kind, pads: WORST_PADS, offsets: OFFSETS_MS },
  );
}

/** A reader's view of a 16-bit WAV: channels, frames, peak (dBFS) and the first sounding frame. */
function readWav(bytes: Uint8Array): { channels: number; frames: number; peakDbfs: number; firstFrame: number; sampleRate: number; pcm: Int16Array } {
  const info = parseWav(bytes);
  const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + info.dataOffset, bytes.byteOffset + info.dataOffset + info.dataBytes));
  let peak = 0;
  for (const s of pcm) peak = Math.max(peak, Math.abs(s));
  return { channels: info.channels, frames: info.frames, sampleRate: info.sampleRate, peakDbfs: 20 * Math.log10(peak / 32_768), firstFrame: Math.floor(pcm.findIndex((s) => s !== 0) / info.channels), pcm };
}

test.beforeEach(async ({ page }) => openPage(page));

test("the worst two-player mix exports as stereo, scaled as a whole to peak at −1 dBFS (no clipper)", async ({ page }) => {
  const r = await renderWorstCase(page, "mix");
  const wav = readWav(new Uint8Array(Buffer.from(r.data, "base64")));
  const unscaledDbfs = wav.peakDbfs - 20 * Math.log10(r.scale ?? 1);
  test.info().annotations.push({ type: "measured", description: JSON.stringify({ peakDbfs: wav.peakDbfs, scale: r.scale, unscaledDbfs, channels: wav.channels }) });
  console.log(`[issue 12] worst-case two-player mix: ${wav.channels} channel(s), peak ${wav.peakDbfs.toFixed(2)} dBFS (scaled by ${r.scale?.toFixed(3)}: ${unscaledDbfs.toFixed(1)} dBFS at the export gain)`);
  expect(r.hits).toBe(2 * WORST_PADS.length * OFFSETS_MS.length);
  expect(wav.channels).toBe(2);
  expect(wav.sampleRate).toBe(44_100);
  expect(wav.peakDbfs).toBeLessThanOrEqual(-1);
  // brought down by one factor, not squashed: the peak sits just under the ceiling
  expect(wav.peakDbfs).toBeGreaterThan(-1.05);
  expect(r.scale).toBeLessThan(1);
  // stereo: the hats and crash sit right, the ride left, so the channels differ
  let diff = 0;
  for (let i = 0; i < wav.pcm.length; i += 2) diff = Math.max(diff, Math.abs(wav.pcm[i]! - wav.pcm[i + 1]!));
  expect(diff).toBeGreaterThan(1_000);
});

test("the export chain is linear: a signal far over full scale comes out at exactly gain × pan law", async ({ page }) => {
  const r = await page.evaluate(async () => {
    const { createOutputChain, EXPORT_GAIN, EXPORT_PAN } = window.__wavExport.engine;
    const ctx = new OfflineAudioContext({ numberOfChannels: 2, length: 4_410, sampleRate: 44_100 });
    const chain = createOutputChain(ctx, "export");
    const src = new ConstantSourceNode(ctx, { offset: 4 }); // 12 dB over full scale
    src.connect(chain.input("ride"));
    src.start();
    const out = await ctx.startRendering();
    const theta = ((EXPORT_PAN.ride + 1) * Math.PI) / 4; // equal-power pan of a mono input
    return { left: out.getChannelData(0)[2_000]!, right: out.getChannelData(1)[2_000]!, wantLeft: 4 * EXPORT_GAIN * Math.cos(theta), wantRight: 4 * EXPORT_GAIN * Math.sin(theta) };
  });
  expect(r.left).toBeCloseTo(r.wantLeft, 4);
  expect(r.right).toBeCloseTo(r.wantRight, 4);
  expect(r.left).toBeGreaterThan(r.right); // the ride sits left
});

test("stems: one stereo WAV per player in a ZIP, same start and length, each at most −1 dBFS", async ({ page }) => {
  const r = await renderWorstCase(page, "stems");
  const files = unzipSync(new Uint8Array(Buffer.from(r.data, "base64")));
  const names = Object.keys(files);
  expect(names).toEqual(["01-ada.wav", "02-bo.wav"]);
  const stems = names.map((n) => readWav(files[n]!));
  test.info().annotations.push({ type: "measured", description: JSON.stringify({ stems: stems.map((s) => ({ frames: s.frames, peakDbfs: s.peakDbfs })), scale: r.scale }) });
  console.log(`[issue 12] stems: ${stems.length} × ${stems[0]!.frames} frames (${(stems[0]!.frames / 44_100).toFixed(2)} s), peaks ${stems.map((s) => s.peakDbfs.toFixed(2)).join(", ")} dBFS`);
  expect(r.hits).toBe(2 * WORST_PADS.length * OFFSETS_MS.length);
  for (const s of stems) {
    expect(s.channels).toBe(2);
    expect(s.frames).toBe(stems[0]!.frames);
    expect(s.frames).toBe(Math.round((12.5 + 1.5) * 44_100));
    expect(s.peakDbfs).toBeLessThanOrEqual(-1);
  }
  // same start: the first hits (Ada's and Bo's, both at 300 ms) begin on the same frame
  expect(stems[0]!.firstFrame).toBe(stems[1]!.firstFrame);
  expect(stems[0]!.firstFrame).toBeGreaterThanOrEqual(Math.floor(0.3 * 44_100));
  expect(stems[0]!.firstFrame).toBeLessThanOrEqual(Math.floor(0.3 * 44_100) + 2);
  // their sum (the mix a DAW hears) has the headroom too
  let sumPeak = 0;
  for (let i = 0; i < stems[0]!.pcm.length; i++) sumPeak = Math.max(sumPeak, Math.abs(stems[0]!.pcm[i]! + stems[1]!.pcm[i]!));
  expect(20 * Math.log10(sumPeak / 32_768)).toBeLessThanOrEqual(-1 + 0.01);
});
