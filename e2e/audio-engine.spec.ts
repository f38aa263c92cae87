/**
 * The synthesized drum kits (app/lib/audio/engine.ts), checked in Chromium
 * without the Next app: the module is bundled with esbuild and loaded into a
 * blank page. Sound checks render offline (OfflineAudioContext) with a seeded
 * Math.random, so they are deterministic and independent of wall time.
 */
import { expect, test, type Page } from "@playwright/test";
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PAD_IDS, type PadId } from "../core/kit";
import type { AudioEngine, KitId, KIT_IDS, KIT_NAMES, createAudioEngine } from "../app/lib/audio/engine";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const SAMPLE_RATE = 48000;
/** Web Audio renders in blocks of 128 frames; an onset must land inside the block of its time */
const BLOCK = 128;
/** deliberately not block-aligned: 0.1 s + 37 frames */
const HIT_TIME_S = 0.1 + 37 / SAMPLE_RATE;
/**
 * The kits under test. Not imported as a value: that would load the engine
 * (and Tone) into Node; the "setKit" test checks this equals KIT_IDS.
 */
const KITS: readonly KitId[] = ["acoustic", "808"];
/** hardest hit's spectral centroid over the softest's, at least (tuned from measurements; see the annotations) */
const CENTROID_RISE = 1.08;
/** two kits' spectra or envelopes must differ by at least this total-variation distance (0..1) */
const KIT_DISTANCE_MIN = 0.25;
/** ... and by this many times the distance between two renders of one kit with other random numbers */
const KIT_DISTANCE_OVER_NOISE = 3;

type RenderEvent =
  | { kind: "hit"; pad: PadId; audioTime: number; velocity: number }
  | { kind: "click"; audioTime: number; accent: boolean }
  /** engine.setKit, called between the playHit calls around it */
  | { kind: "setKit"; kit: KitId };

interface AudioCheck {
  /** kit: passed to createAudioEngine (omitted: the engine's default) */
  render(events: RenderEvent[], options: { seconds: number; seed: number; volume?: number; kit?: KitId }): Promise<Float32Array>;
  peak(samples: Float32Array, from?: number, to?: number): number;
  rms(samples: Float32Array, from: number, to: number): number;
  /** first frame whose magnitude exceeds `threshold`, or -1 */
  onset(samples: Float32Array, threshold: number): number;
  /** RMS of the first difference over RMS: a crude high-frequency (brightness) measure */
  brightness(samples: Float32Array, from: number, to: number): number;
  /** frames from `from` until the signal stays below `fraction` of its peak */
  ringFrames(samples: Float32Array, from: number, fraction: number): number;
  zeroCrossingHz(samples: Float32Array, from: number, to: number, sampleRate: number): number;
  /** power-weighted mean frequency of [from, to) (Hann-windowed 2048-point frames); independent of level */
  centroidHz(samples: Float32Array, from: number, to: number, sampleRate: number): number;
  /** energy of [from, to) in third-octave bands 25 Hz..20 kHz (8192-point frames, fine enough for bass), normalized to sum 1 */
  bandProfile(samples: Float32Array, from: number, to: number, sampleRate: number): number[];
  /** energy in consecutive frames of `frame` samples from `from`, normalized to sum 1 */
  envelopeProfile(samples: Float32Array, from: number, frame: number, count: number): number[];
  /** energy per (2048-frame STFT frame × third-octave band) over [from, to), normalized to sum 1 */
  spectrogramProfile(samples: Float32Array, from: number, to: number, sampleRate: number): number[];
  /** total-variation distance of two distributions: 0 identical .. 1 disjoint */
  tvDistance(a: number[], b: number[]): number;
}

declare global {
  interface Window {
    __kit: {
      createAudioEngine: typeof createAudioEngine;
      KIT_IDS: typeof KIT_IDS;
      KIT_NAMES: typeof KIT_NAMES;
      Tone: typeof import("tone");
    };
    __audioCheck: AudioCheck;
  }
}

let bundle = "";

test.beforeAll(async () => {
  const result = await build({
    stdin: {
      contents: [
        'import { createAudioEngine, KIT_IDS, KIT_NAMES } from "./app/lib/audio/engine";',
        'import * as Tone from "tone";',
        "window.__kit = { createAudioEngine, KIT_IDS, KIT_NAMES, Tone };",
      ].join("\n"),
      resolveDir: root,
      loader: "ts",
      sourcefile: "audio-engine-entry.ts",
    },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error("esbuild produced no bundle");
  bundle = output.text;
});

/** Installed into the page with page.evaluate, so it must be self-contained. */
function installAudioCheck(sampleRate: number): void {
  function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const check: AudioCheck = {
    async render(events, { seconds, seed, volume = 0.5, kit }) {
      const realRandom = Math.random;
      Math.random = mulberry32(seed);
      try {
        const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: Math.round(seconds * sampleRate), sampleRate });
        const engine = kit === undefined ? window.__kit.createAudioEngine(ctx) : window.__kit.createAudioEngine(ctx, { kit });
        engine.setVolume(volume);
        for (const e of events) {
          if (e.kind === "hit") engine.playHit(e.pad, e.audioTime, e.velocity);
          else if (e.kind === "click") engine.playClick(e.audioTime, e.accent);
          else engine.setKit(e.kit);
        }
        const rendered = await ctx.startRendering();
        engine.dispose();
        return rendered.getChannelData(0);
      } finally {
        Math.random = realRandom;
      }
    },
    peak(s, from = 0, to = s.length) {
      let p = 0;
      for (const x of s.subarray(from, to)) p = Math.max(p, Math.abs(x));
      return p;
    },
    rms(s, from, to) {
      let sum = 0;
      for (const x of s.subarray(from, to)) sum += x * x;
      return Math.sqrt(sum / Math.max(1, to - from));
    },
    onset(s, threshold) {
      return s.findIndex((x) => Math.abs(x) > threshold);
    },
    brightness(s, from, to) {
      let d = 0;
      let x = 0;
      let previous = s[from] ?? 0;
      for (const sample of s.subarray(from + 1, to)) {
        d += (sample - previous) ** 2;
        x += sample ** 2;
        previous = sample;
      }
      return x === 0 ? 0 : Math.sqrt(d / x);
    },
    ringFrames(s, from, fraction) {
      const limit = check.peak(s, from) * fraction;
      let last = from;
      s.subarray(from).forEach((x, i) => {
        if (Math.abs(x) > limit) last = from + i;
      });
      return last - from;
    },
    zeroCrossingHz(s, from, to, rate) {
      let crossings = 0;
      let previous = s[from] ?? 0;
      for (const x of s.subarray(from + 1, to)) {
        if (previous < 0 !== x < 0) crossings++;
        previous = x;
      }
      return (crossings / 2) * (rate / (to - from));
    },
    centroidHz(s, from, to, rate) {
      const power = powerSpectrum(s, from, to);
      const size = (power.length - 1) * 2;
      let weighted = 0;
      let total = 0;
      power.forEach((p, k) => {
        weighted += p * ((k * rate) / size);
        total += p;
      });
      return total === 0 ? 0 : weighted / total;
    },
    bandProfile(s, from, to, rate) {
      return normalize(thirdOctaveBands(powerSpectrum(s, from, to, 8192), rate));
    },
    spectrogramProfile(s, from, to, rate) {
      const cells: number[] = [];
      for (let start = from; start < to; start += FFT_SIZE / 2) {
        cells.push(...thirdOctaveBands(powerSpectrum(s, start, Math.min(start + FFT_SIZE, to)), rate));
      }
      return normalize(cells);
    },
    envelopeProfile(s, from, frame, count) {
      const energies: number[] = [];
      for (let i = 0; i < count; i++) {
        let e = 0;
        for (const x of s.subarray(from + i * frame, from + (i + 1) * frame)) e += x * x;
        energies.push(e);
      }
      return normalize(energies);
    },
    tvDistance(a, b) {
      let d = 0;
      for (let i = 0; i < Math.max(a.length, b.length); i++) d += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
      return d / 2;
    },
  };

  const FFT_SIZE = 2048;
  function thirdOctaveBands(power: Float64Array, rate: number): number[] {
    const size = (power.length - 1) * 2;
    const edges: number[] = [];
    for (let hz = 25 / Math.cbrt(2) ** 0.5; hz < 20000; hz *= Math.cbrt(2)) edges.push(hz);
    const bands = new Array<number>(edges.length - 1).fill(0);
    power.forEach((p, k) => {
      const hz = (k * rate) / size;
      const band = edges.findIndex((edge, i) => hz >= edge && hz < (edges[i + 1] ?? 0));
      if (band >= 0 && band < bands.length) bands[band] = (bands[band] ?? 0) + p;
    });
    return bands;
  }
  function normalize(values: number[]): number[] {
    const total = values.reduce((sum, x) => sum + x, 0);
    return values.map((x) => (total === 0 ? 0 : x / total));
  }
  /** summed power spectrum (bins 0..size/2) of Hann-windowed frames, hop size/2, over [from, to) */
  function powerSpectrum(s: Float32Array, from: number, to: number, size = FFT_SIZE): Float64Array {
    const power = new Float64Array(size / 2 + 1);
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    for (let start = from; start < to; start += size / 2) {
      for (let i = 0; i < size; i++) {
        const n = start + i;
        const x = n < to ? (s[n] ?? 0) : 0;
        re[i] = x * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
        im[i] = 0;
      }
      fft(re, im);
      for (let k = 0; k <= size / 2; k++) power[k] = (power[k] ?? 0) + (re[k] ?? 0) ** 2 + (im[k] ?? 0) ** 2;
    }
    return power;
  }
  /** in-place iterative radix-2 FFT */
  function fft(re: Float64Array, im: Float64Array): void {
    const n = re.length;
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        [re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0];
        [im[i], im[j]] = [im[j] ?? 0, im[i] ?? 0];
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const angle = (-2 * Math.PI) / size;
      for (let i = 0; i < n; i += size) {
        for (let k = 0; k < size / 2; k++) {
          const wr = Math.cos(angle * k);
          const wi = Math.sin(angle * k);
          const a = i + k;
          const b = a + size / 2;
          const br = (re[b] ?? 0) * wr - (im[b] ?? 0) * wi;
          const bi = (re[b] ?? 0) * wi + (im[b] ?? 0) * wr;
          re[b] = (re[a] ?? 0) - br;
          im[b] = (im[a] ?? 0) - bi;
          re[a] = (re[a] ?? 0) + br;
          im[a] = (im[a] ?? 0) + bi;
        }
      }
    }
  }
  window.__audioCheck = check;
}

async function openKitPage(page: Page): Promise<void> {
  await page.setContent("<!doctype html><title>audio engine check</title>");
  await page.addScriptTag({ content: "window.TONE_SILENCE_LOGGING = true;" });
  await page.addScriptTag({ content: bundle });
  await page.evaluate(installAudioCheck, SAMPLE_RATE);
}

test.describe("synthesized drum kits (offline render)", () => {
  test.beforeEach(async ({ page }) => openKitPage(page));

  for (const kit of KITS) {
    for (const pad of PAD_IDS) {
      test(`${kit} ${pad}: sounds at the scheduled time, louder and brighter with velocity`, async ({ page }) => {
        const result = await page.evaluate(
          async ({ kit, pad, time, rate }) => {
            const c = window.__audioCheck;
            const at = Math.round(time * rate);
            const measure = async (velocity: number) => {
              const s = await c.render([{ kind: "hit", pad, audioTime: time, velocity }], { seconds: 3, seed: 7, kit });
              const peak = c.peak(s);
              return {
                velocity,
                peak,
                silentBefore: c.peak(s, 0, at) === 0,
                onsetFrames: c.onset(s, peak * 1e-3) - at,
                brightness: c.brightness(s, at, at + Math.round(0.05 * rate)),
                centroidHz: c.centroidHz(s, at, at + Math.round(0.1 * rate), rate),
                ringMs: (c.ringFrames(s, at, 1e-3) / rate) * 1000,
              };
            };
            return { soft: await measure(0.3), medium: await measure(0.6), hard: await measure(1) };
          },
          { kit, pad, time: HIT_TIME_S, rate: SAMPLE_RATE },
        );
        test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
        const { soft, medium, hard } = result;
        for (const r of [soft, medium, hard]) {
          expect(r.peak, `peak at velocity ${r.velocity}`).toBeGreaterThan(0.005);
          expect(r.peak, "stays below full scale").toBeLessThan(1);
          expect(r.silentBefore, "nothing before the scheduled time").toBe(true);
          expect(r.onsetFrames).toBeGreaterThanOrEqual(0);
          expect(r.onsetFrames).toBeLessThan(BLOCK);
        }
        expect(medium.peak).toBeGreaterThan(soft.peak * 1.3);
        expect(hard.peak).toBeGreaterThan(medium.peak * 1.3);
        // Tone, not just level: both measures are independent of loudness.
        expect(hard.brightness).toBeGreaterThan(soft.brightness);
        expect(medium.centroidHz, "spectral centroid rises with velocity").toBeGreaterThan(soft.centroidHz);
        expect(hard.centroidHz, "spectral centroid rises with velocity").toBeGreaterThan(soft.centroidHz * CENTROID_RISE);
      });

      test(`${kit} ${pad}: two hits 30 ms apart both sound`, async ({ page }) => {
        const result = await page.evaluate(
          async ({ kit, pad, time, rate }) => {
            const c = window.__audioCheck;
            const second = time + 0.03;
            const at2 = Math.round(second * rate);
            const hit = (audioTime: number) => ({ kind: "hit" as const, pad, audioTime, velocity: 0.8 });
            // Same seed: the first hit consumes the same random numbers in both
            // renders, so (both - firstOnly) isolates what the second hit added.
            const firstOnly = await c.render([hit(time)], { seconds: 3, seed: 11, kit });
            const both = await c.render([hit(time), hit(second)], { seconds: 3, seed: 11, kit });
            const secondAlone = await c.render([hit(second)], { seconds: 3, seed: 11, kit });
            const added = both.map((x, i) => x - (firstOnly[i] ?? 0));
            return {
              // Chromium sums a node's inputs in no fixed order, so renders of
              // the same graph can differ by float rounding (measured 2.4e-7).
              unchangedBeforeSecond: c.peak(added, 0, at2) < 1e-5,
              secondOnsetFrames: c.onset(added, c.peak(added) * 1e-3) - at2,
              addedPeak: c.peak(added),
              secondAlonePeak: c.peak(secondAlone),
            };
          },
          { kit, pad, time: HIT_TIME_S, rate: SAMPLE_RATE },
        );
        test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
        expect(result.unchangedBeforeSecond).toBe(true);
        expect(result.secondOnsetFrames).toBeGreaterThanOrEqual(0);
        expect(result.secondOnsetFrames).toBeLessThan(BLOCK);
        expect(result.addedPeak).toBeGreaterThan(result.secondAlonePeak * 0.5);
      });
    }

    test(`${kit}: closed hi-hat chokes a ringing open hi-hat`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ kit, time, rate }) => {
          const c = window.__audioCheck;
          const from = Math.round((time + 0.3) * rate);
          const to = Math.round((time + 0.5) * rate);
          const open = { kind: "hit" as const, pad: "hihatOpen" as const, audioTime: time, velocity: 0.9 };
          const closed = { kind: "hit" as const, pad: "hihatClosed" as const, audioTime: time + 0.1, velocity: 0.9 };
          const ringing = await c.render([open], { seconds: 1, seed: 3, kit });
          const choked = await c.render([open, closed], { seconds: 1, seed: 3, kit });
          // scheduled out of order: the closed hat is planned before the open one
          const chokedOutOfOrder = await c.render([closed, open], { seconds: 1, seed: 3, kit });
          return {
            ringingRms: c.rms(ringing, from, to),
            chokedRms: c.rms(choked, from, to),
            chokedOutOfOrderRms: c.rms(chokedOutOfOrder, from, to),
          };
        },
        { kit, time: HIT_TIME_S, rate: SAMPLE_RATE },
      );
      test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
      expect(result.ringingRms).toBeGreaterThan(0.001);
      expect(result.chokedRms).toBeLessThan(result.ringingRms * 0.01);
      expect(result.chokedOutOfOrderRms).toBeLessThan(result.ringingRms * 0.01);
    });
  }

  test("a closed hi-hat chokes an open one across a kit switch", async ({ page }) => {
    const result = await page.evaluate(
      async ({ time, rate }) => {
        const c = window.__audioCheck;
        const from = Math.round((time + 0.3) * rate);
        const to = Math.round((time + 0.5) * rate);
        const open = { kind: "hit" as const, pad: "hihatOpen" as const, audioTime: time, velocity: 0.9 };
        const closed = { kind: "hit" as const, pad: "hihatClosed" as const, audioTime: time + 0.1, velocity: 0.9 };
        const ringing = await c.render([open], { seconds: 1, seed: 3, kit: "acoustic" });
        const choked = await c.render([open, { kind: "setKit", kit: "808" }, closed], { seconds: 1, seed: 3, kit: "acoustic" });
        return { ringingRms: c.rms(ringing, from, to), chokedRms: c.rms(choked, from, to) };
      },
      { time: HIT_TIME_S, rate: SAMPLE_RATE },
    );
    test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
    expect(result.ringingRms).toBeGreaterThan(0.001);
    expect(result.chokedRms).toBeLessThan(result.ringingRms * 0.01);
  });

  for (const pad of PAD_IDS) {
    test(`${pad}: the acoustic and 808 kits sound clearly different`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ pad, time, rate }) => {
          const c = window.__audioCheck;
          const at = Math.round(time * rate);
          const hit = { kind: "hit" as const, pad, audioTime: time, velocity: 0.8 };
          const describe = (s: Float32Array) => ({
            s,
            // spectrum of the first 300 ms, and the energy envelope over 2 s in 20 ms frames
            spectrum: c.bandProfile(s, at, at + Math.round(0.3 * rate), rate),
            envelope: c.envelopeProfile(s, at, Math.round(0.02 * rate), 100),
            // both at once: pitch sweeps, and which frequencies decay how fast
            spectrogram: c.spectrogramProfile(s, at, at + Math.round(1 * rate), rate),
            centroidHz: c.centroidHz(s, at, at + Math.round(0.3 * rate), rate),
            ringMs: (c.ringFrames(s, at, 1e-3) / rate) * 1000,
          });
          const renders = {
            acoustic: [
              describe(await c.render([hit], { seconds: 2.5, seed: 7, kit: "acoustic" })),
              describe(await c.render([hit], { seconds: 2.5, seed: 8, kit: "acoustic" })),
            ],
            tr808: [
              describe(await c.render([hit], { seconds: 2.5, seed: 7, kit: "808" })),
              describe(await c.render([hit], { seconds: 2.5, seed: 8, kit: "808" })),
            ],
          };
          type Described = ReturnType<typeof describe>;
          const distance = (a: Described, b: Described) => ({
            spectrum: c.tvDistance(a.spectrum, b.spectrum),
            envelope: c.tvDistance(a.envelope, b.envelope),
            spectrogram: c.tvDistance(a.spectrogram, b.spectrogram),
          });
          const [a7, a8] = renders.acoustic;
          const [b7, b8] = renders.tr808;
          if (!a7 || !a8 || !b7 || !b8) throw new Error("missing render");
          return {
            // the same kit rendered with other random numbers (noise offsets, detune): the noise floor of the measure
            acousticVsItself: distance(a7, a8),
            tr808VsItself: distance(b7, b8),
            acousticVs808: distance(a7, b7),
            acoustic: { centroidHz: a7.centroidHz, ringMs: a7.ringMs },
            tr808: { centroidHz: b7.centroidHz, ringMs: b7.ringMs },
          };
        },
        { pad, time: HIT_TIME_S, rate: SAMPLE_RATE },
      );
      test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
      // At least one measure must separate the kits clearly, and by far more
      // than it varies between two renders of one kit (noise, random detune).
      const measures = (["spectrum", "envelope", "spectrogram"] as const).map((name) => ({
        name,
        kits: result.acousticVs808[name],
        sameKit: Math.max(result.acousticVsItself[name], result.tr808VsItself[name]),
      }));
      const separating = measures.filter((m) => m.kits > KIT_DISTANCE_MIN && m.kits > m.sameKit * KIT_DISTANCE_OVER_NOISE);
      expect(separating.map((m) => m.name), JSON.stringify(measures)).not.toEqual([]);
    });
  }

  test("setKit switches what subsequent hits sound like; hits already scheduled keep their kit", async ({ page }) => {
    const result = await page.evaluate(
      async ({ pads, time, rate }) => {
        const c = window.__audioCheck;
        const second = time + 1.5;
        const at2 = Math.round(second * rate);
        const window2 = [at2, at2 + Math.round(0.3 * rate)] as const;
        const out: Record<string, { unchangedBeforeSwitchHit: boolean; distanceTo808: number; distanceToAcoustic: number }> = {};
        for (const pad of pads) {
          const hit = (audioTime: number) => ({ kind: "hit" as const, pad, audioTime, velocity: 0.8 });
          // Same seed: the first hit consumes the same random numbers, so the
          // difference isolates the second hit (and shows the first is unchanged).
          const firstOnly = await c.render([hit(time)], { seconds: 2.5, seed: 5, kit: "acoustic" });
          const switched = await c.render([hit(time), { kind: "setKit", kit: "808" }, hit(second)], { seconds: 2.5, seed: 5, kit: "acoustic" });
          const added = switched.map((x, i) => x - (firstOnly[i] ?? 0));
          const alone808 = await c.render([hit(second)], { seconds: 2.5, seed: 9, kit: "808" });
          const aloneAcoustic = await c.render([hit(second)], { seconds: 2.5, seed: 9, kit: "acoustic" });
          const spectrum = (s: Float32Array) => c.bandProfile(s, ...window2, rate);
          out[pad] = {
            unchangedBeforeSwitchHit: c.peak(added, 0, at2) < 1e-5,
            distanceTo808: c.tvDistance(spectrum(added), spectrum(alone808)),
            distanceToAcoustic: c.tvDistance(spectrum(added), spectrum(aloneAcoustic)),
          };
        }
        const engine = window.__kit.createAudioEngine(new OfflineAudioContext(1, 128, rate));
        const kits = [engine.kit];
        engine.setKit("808");
        kits.push(engine.kit);
        engine.setKit("acoustic");
        kits.push(engine.kit);
        kits.push(window.__kit.createAudioEngine(new OfflineAudioContext(1, 128, rate), { kit: "808" }).kit);
        return { pads: out, kits, ids: window.__kit.KIT_IDS, names: window.__kit.KIT_NAMES };
      },
      { pads: [...PAD_IDS], time: HIT_TIME_S, rate: SAMPLE_RATE },
    );
    test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
    expect(result.kits).toEqual(["acoustic", "808", "acoustic", "808"]);
    expect(result.ids).toEqual(KITS);
    expect(result.names).toEqual({ acoustic: "Acoustic", "808": "808" });
    for (const [pad, r] of Object.entries(result.pads)) {
      expect(r.unchangedBeforeSwitchHit, `${pad}: the hit before the switch is untouched`).toBe(true);
      expect(r.distanceTo808, `${pad}: after the switch it sounds like the 808`).toBeLessThan(r.distanceToAcoustic / 3);
    }
  });

  test("the default kit is acoustic", async ({ page }) => {
    const result = await page.evaluate(
      async ({ time }) => {
        const c = window.__audioCheck;
        const hits = (["kick", "snare", "hihatClosed"] as const).map((pad, i) => ({ kind: "hit" as const, pad, audioTime: time + i * 0.2, velocity: 0.7 }));
        const byDefault = await c.render(hits, { seconds: 1, seed: 4 });
        const acoustic = await c.render(hits, { seconds: 1, seed: 4, kit: "acoustic" });
        return { maxDifference: c.peak(byDefault.map((x, i) => x - (acoustic[i] ?? 0))), peak: c.peak(acoustic) };
      },
      { time: HIT_TIME_S },
    );
    expect(result.peak).toBeGreaterThan(0.01);
    expect(result.maxDifference).toBeLessThan(1e-5);
  });

  test("metronome click: at the scheduled time, accent is higher", async ({ page }) => {
    const result = await page.evaluate(
      async ({ time, rate }) => {
        const c = window.__audioCheck;
        const at = Math.round(time * rate);
        const measure = async (accent: boolean) => {
          const s = await c.render([{ kind: "click", audioTime: time, accent }], { seconds: 0.5, seed: 1 });
          const peak = c.peak(s);
          return {
            peak,
            onsetFrames: c.onset(s, peak * 1e-3) - at,
            silentBefore: c.peak(s, 0, at) === 0,
            hz: c.zeroCrossingHz(s, at, at + Math.round(0.02 * rate), rate),
            ringMs: (c.ringFrames(s, at, 1e-3) / rate) * 1000,
          };
        };
        return { normal: await measure(false), accent: await measure(true) };
      },
      { time: HIT_TIME_S, rate: SAMPLE_RATE },
    );
    test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
    for (const r of [result.normal, result.accent]) {
      expect(r.peak).toBeGreaterThan(0.01);
      expect(r.silentBefore).toBe(true);
      expect(r.onsetFrames).toBeGreaterThanOrEqual(0);
      expect(r.onsetFrames).toBeLessThan(BLOCK);
      expect(r.ringMs).toBeLessThan(60);
    }
    expect(result.accent.hz).toBeGreaterThan(result.normal.hz * 1.2);
  });

  test("a time in the past plays at once", async ({ page }) => {
    const result = await page.evaluate(async () => {
      const c = window.__audioCheck;
      const s = await c.render([{ kind: "hit", pad: "snare", audioTime: -1, velocity: 1 }], { seconds: 0.5, seed: 5 });
      return { peak: c.peak(s), onsetFrames: c.onset(s, c.peak(s) * 1e-3) };
    });
    expect(result.peak).toBeGreaterThan(0.01);
    expect(result.onsetFrames).toBeLessThan(BLOCK);
  });

  test("volume scales the output", async ({ page }) => {
    const result = await page.evaluate(
      async ({ time }) => {
        const c = window.__audioCheck;
        const hit = { kind: "hit" as const, pad: "tomLow" as const, audioTime: time, velocity: 0.7 };
        const full = await c.render([hit], { seconds: 1, seed: 2, volume: 0.5 });
        const half = await c.render([hit], { seconds: 1, seed: 2, volume: 0.25 });
        const muted = await c.render([hit], { seconds: 1, seed: 2, volume: 0 });
        return { full: c.peak(full), half: c.peak(half), muted: c.peak(muted) };
      },
      { time: HIT_TIME_S },
    );
    expect(result.half / result.full).toBeCloseTo(0.5, 2);
    expect(result.muted).toBe(0);
  });

  test("rejects out-of-range values loudly", async ({ page }) => {
    const messages = await page.evaluate(() => {
      const engine = window.__kit.createAudioEngine(new OfflineAudioContext(1, 128, 48000));
      const attempts: (() => void)[] = [
        () => engine.playHit("kick", 0, 1.5),
        () => engine.playHit("kick", Number.NaN, 0.5),
        () => engine.setVolume(-0.1),
        () => engine.setKit("909" as KitId),
        () => window.__kit.createAudioEngine(new OfflineAudioContext(1, 128, 48000), { kit: "909" as KitId }),
      ];
      return attempts.map((attempt) => {
        try {
          attempt();
          return "no error";
        } catch (error) {
          return String(error);
        }
      });
    });
    expect(messages).toEqual([
      "RangeError: velocity must be within [0, 1], got: 1.5",
      "RangeError: audioTime must be a finite number of seconds, got: NaN",
      "RangeError: volume must be within [0, 1], got: -0.1",
      "RangeError: Unknown kit: 909",
      "RangeError: Unknown kit: 909",
    ]);
  });
});

test("live engine: Tone shares our native AudioContext, and rapid or late hits never throw", async ({ page }) => {
  await openKitPage(page);
  const result = await page.evaluate(async () => {
    const { createAudioEngine, Tone } = window.__kit;
    const engine: AudioEngine = createAudioEngine();
    await engine.resume();
    const ctx = engine.context;
    const now = ctx.currentTime;
    const pads = ["kick", "snare", "hihatClosed", "hihatOpen", "tomLow", "tomHigh", "crash", "ride"] as const;
    let error = "";
    try {
      for (const kit of ["acoustic", "808"] as const) {
        engine.setKit(kit);
        for (const pad of pads) {
          engine.playHit(pad, now - 0.5, 0.8); // in the past
          engine.playHit(pad, now + 0.05, 0.8);
          engine.playHit(pad, now + 0.05, 0.6); // same time again
          engine.playHit(pad, now + 0.04, 0.4); // earlier than the previous one
        }
      }
      engine.playClick(now - 1, true);
      engine.playClick(now + 0.1, false);
      engine.playClick(now + 0.1, false);
    } catch (e) {
      error = String(e);
    }
    const facts = {
      error,
      toneUsesOurContext: Tone.getContext().rawContext === ctx,
      isNativeAudioContext: ctx instanceof AudioContext,
      hasGetOutputTimestamp: typeof ctx.getOutputTimestamp === "function",
      baseLatency: ctx.baseLatency,
      outputLatency: ctx.outputLatency,
      state: ctx.state as string,
      stateAfterDispose: "",
    };
    await new Promise((resolve) => setTimeout(resolve, 300));
    engine.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    facts.stateAfterDispose = ctx.state;
    return facts;
  });
  test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
  expect(result.error).toBe("");
  expect(result.toneUsesOurContext).toBe(true);
  expect(result.isNativeAudioContext).toBe(true);
  expect(result.hasGetOutputTimestamp).toBe(true);
  expect(result.state).toBe("running");
  expect(result.stateAfterDispose).toBe("closed");
});
