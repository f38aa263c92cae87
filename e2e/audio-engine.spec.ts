/**
 * The synthesized drum kits (app/lib/audio/engine.ts), checked in Chromium
 * without the Next app: the module is bundled with esbuild and loaded into a
 * blank page. Sound checks render offline (OfflineAudioContext) with a seeded
 * Math.random, so they are deterministic and independent of wall time.
 */
import { expect, test, type Page } from "@playwright/test";
import { bundleForPage } from "./support/page-bundle";
import { PAD_IDS, type PadId } from "../core/kit";
import type { AudioEngine, KitId, KIT_IDS, KIT_NAMES, createAudioEngine } from "../app/lib/audio/engine";


const SAMPLE_RATE = 48000;
/** Web Audio renders in blocks of 128 frames; an onset must land inside the block of its time */
const BLOCK = 128;
/** deliberately not block-aligned: 0.1 s + 37 frames */
const HIT_TIME_S = 0.1 + 37 / SAMPLE_RATE;
/**
 * The kits under test. Not imported as a value: that would load the engine
 * into Node; the "setKit" test checks this equals KIT_IDS.
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
    };
    __audioCheck: AudioCheck;
  }
}

let bundle = "";

test.beforeAll(async () => {
  bundle = await bundleForPage(
    [
        'import { createAudioEngine, KIT_IDS, KIT_NAMES } from "./app/lib/audio/engine";',
        "window.__kit = { createAudioEngine, KIT_IDS, KIT_NAMES };",
      ].join("\n"),
    "audio-engine",
  );
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

test("live engine: exactly one native AudioContext, and rapid or late hits never throw", async ({ page }) => {
  await openKitPage(page);
  const result = await page.evaluate(async () => {
    const { createAudioEngine } = window.__kit;
    // Count every context made from here on (issue 13: Tone.setContext used to make a second one).
    let contextsMade = 0;
    const Native = window.AudioContext;
    window.AudioContext = class extends Native {
      constructor(options?: AudioContextOptions) {
        super(options);
        contextsMade++;
      }
    };
    const engine: AudioEngine = createAudioEngine();
    window.AudioContext = Native;
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
      contextsMade,
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
  expect(result.contextsMade).toBe(1);
  expect(result.isNativeAudioContext).toBe(true);
  expect(result.hasGetOutputTimestamp).toBe(true);
  expect(result.state).toBe("running");
  expect(result.stateAfterDispose).toBe("closed");
});

// ---------------------------------------------------------------------------
// Pre-rendered voices (app/lib/audio/voice-cache.ts) for the WAV export: every
// (pad, velocity layer) rendered once by the kit code, then played as buffers.
// Checked against the synthesized engine rendering the same hits.

let exportBundle = "";

interface SampledCheck {
  /** like AudioCheck.render (hits only), but through createSampledKit on a freshly rendered voice bank */
  render(
    events: { pad: PadId; audioTime: number; velocity: number }[],
    /** bankHits: the hits whose voices are pre-rendered (default: `events`); the same list and seed give the same voices */
    options: { seconds: number; seed: number; kit: KitId; bankHits?: { pad: PadId; velocity: number }[] },
  ): Promise<Float32Array>;
  /** first frame whose magnitude exceeds `threshold`, or -1 */
  firstAbove(s: Float32Array, threshold: number): number;
  /** Pearson correlation of [from, to) */
  correlation(a: Float32Array, b: Float32Array, from: number, to: number): number;
  layers: number;
}

declare global {
  interface Window {
    __sampled: SampledCheck;
    __export: {
      renderWav: typeof import("../app/lib/replay-wav").renderWav;
      buildEvents: typeof import("../core/replay").buildEvents;
      selectPlayable: typeof import("../core/replay").selectPlayable;
      replayPlayers: typeof import("../core/replay").replayPlayers;
    };
  }
}

test.beforeAll(async () => {
  exportBundle = await bundleForPage(
    [
        'import { loadVoiceBank, createSampledKit, clearVoiceCache, VOICE_LAYERS } from "./app/lib/audio/voice-cache";',
        'import { renderWav } from "./app/lib/replay-wav";',
        'import { buildEvents, selectPlayable, replayPlayers } from "./core/replay";',
        "window.__voiceCache = { loadVoiceBank, createSampledKit, clearVoiceCache, VOICE_LAYERS };",
        "window.__export = { renderWav, buildEvents, selectPlayable, replayPlayers };",
      ].join("\n"),
    "voice-cache",
  );
});

function installSampledCheck(): void {
  type VoiceCache = typeof import("../app/lib/audio/voice-cache");
  const vc = (window as unknown as { __voiceCache: Pick<VoiceCache, "loadVoiceBank" | "createSampledKit" | "clearVoiceCache" | "VOICE_LAYERS"> }).__voiceCache;
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
  window.__sampled = {
    layers: vc.VOICE_LAYERS,
    async render(events, { seconds, seed, kit, bankHits = events }) {
      const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: Math.round(seconds * 48000), sampleRate: 48000 });
      const realRandom = Math.random;
      Math.random = mulberry32(seed);
      vc.clearVoiceCache();
      let bank;
      try {
        bank = await vc.loadVoiceBank({ kit, sampleRate: ctx.sampleRate, hits: bankHits });
      } finally {
        Math.random = realRandom;
      }
      const player = vc.createSampledKit(ctx, bank);
      for (const e of events) player.playHit(e.pad, e.audioTime, e.velocity);
      const rendered = await ctx.startRendering();
      player.dispose();
      return rendered.getChannelData(0);
    },
    firstAbove(s, threshold) {
      return s.findIndex((x) => Math.abs(x) > threshold);
    },
    correlation(a, b, from, to) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = from; i < to; i++) {
        const x = a[i] ?? 0;
        const y = b[i] ?? 0;
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
    },
  };
}

/** pads whose sound is mostly pitched (sines), so one render's waveform must follow the other's */
const TONAL_PADS: Readonly<Record<KitId, readonly PadId[]>> = {
  acoustic: ["kick", "tomLow", "tomHigh"],
  "808": ["kick", "tomLow", "tomHigh"],
};

test.describe("pre-rendered voices for export (voice cache)", () => {
  test.beforeEach(async ({ page }) => {
    await openKitPage(page);
    await page.addScriptTag({ content: exportBundle });
    await page.evaluate(installSampledCheck);
  });

  for (const kit of KITS) {
    for (const pad of PAD_IDS) {
      test(`${kit} ${pad}: same onset sample, level and (tonal pads) waveform as the synthesized hit`, async ({ page }) => {
        const result = await page.evaluate(
          async ({ kit, pad, time, aligned, rate }) => {
            const c = window.__audioCheck;
            const sc = window.__sampled;
            const at = Math.floor(time * rate);
            const L = sc.layers;
            const shifted = (x: Float32Array, by: number) => {
              const out = new Float32Array(x.length);
              out.set(x.subarray(0, x.length - by), by);
              return out;
            };
            // layer centres, and velocities between layers
            const velocities = [3 / L, 6 / L, 9 / L, 1, 0.3, 0.62, 0.9];
            const rows = [];
            for (const velocity of velocities) {
              const hit = { pad, audioTime: time, velocity };
              // volume 0.8 is the engine's default, which the sampled kit plays at
              const synth = await c.render([{ kind: "hit", ...hit }], { seconds: 3, seed: 7, kit, volume: 0.8 });
              const sampled = await sc.render([hit], { seconds: 3, seed: 7, kit });
              const end = at + Math.round(2.8 * rate);
              // Chromium starts an oscillator's phase according to where its start falls within a
              // 128-frame render block, so a synthesized hit is an exact time-shifted copy of the
              // pre-rendered one (rendered at 0) only at block-aligned times: compare waveforms there.
              const alignedHit = { pad, audioTime: aligned, velocity };
              const a0 = Math.round(aligned * rate);
              const synthAligned = await c.render([{ kind: "hit", ...alignedHit }], { seconds: 3, seed: 7, kit, volume: 0.8 });
              const sampledAligned = await sc.render([alignedHit], { seconds: 3, seed: 7, kit });
              rows.push({
                alignedCorrelation: sc.correlation(synthAligned, sampledAligned, a0, a0 + Math.round(2.8 * rate)),
                // for scale: the synthesized hit at the unaligned time, shifted onto the aligned one
                synthVsSynthAligned: sc.correlation(shifted(synth, a0 - at), synthAligned, a0, a0 + Math.round(2.8 * rate)),
                velocity,
                centre: Math.abs(velocity * L - Math.round(velocity * L)) < 1e-9,
                synthFirst: sc.firstAbove(synth, 0) - at,
                sampledFirst: sc.firstAbove(sampled, 0) - at,
                synthOnset: c.onset(synth, c.peak(synth) * 0.01) - at,
                sampledOnset: c.onset(sampled, c.peak(sampled) * 0.01) - at,
                silentBefore: c.peak(sampled, 0, at) === 0,
                levelDb: 20 * Math.log10(c.rms(sampled, at, end) / c.rms(synth, at, end)),
                correlation: sc.correlation(synth, sampled, at, end),
              });
            }
            return rows;
          },
          { kit, pad, time: HIT_TIME_S, aligned: (40 * BLOCK) / SAMPLE_RATE, rate: SAMPLE_RATE },
        );
        test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
        const tonal = TONAL_PADS[kit].includes(pad);
        for (const r of result) {
          const what = `v=${r.velocity}${r.centre ? " (layer centre)" : ""}`;
          expect(r.silentBefore, `${what}: nothing before the hit`).toBe(true);
          expect(r.sampledFirst, `${what}: first sound on the same sample`).toBe(r.synthFirst);
          expect(r.sampledFirst, `${what}: first sound on the first frame after the hit time`).toBe(1);
          // noise and random detune differ between any two renders; the level may not
          expect(Math.abs(r.levelDb), `${what}: level (dB) matches`).toBeLessThan(r.centre ? 1 : 1.5);
          if (tonal) expect(r.alignedCorrelation, `${what}: waveform matches`).toBeGreaterThan(r.centre ? 0.99 : 0.9);
        }
      });
    }

    test(`${kit}: at any fraction of a frame, the pre-rendered hit starts on the synthesized hit's first sample`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ kit, pads, time, rate }) => {
          const c = window.__audioCheck;
          const sc = window.__sampled;
          const rows: { pad: string; fraction: number; synth: number; sampled: number }[] = [];
          for (const pad of pads) {
            // Not 0.999: a hit that close before a frame boundary gets a first sample ~1e-7 of its
            // peak, which Chromium drops (0) in some synthesized graphs and keeps in others.
            for (const fraction of [0, 0.001, 0.3, 0.7, 0.95]) {
              const audioTime = (Math.floor(time * rate) + fraction) / rate;
              const hit = { pad, audioTime, velocity: 0.7 };
              const synth = await c.render([{ kind: "hit", ...hit }], { seconds: 0.3, seed: 1, kit, volume: 0.8 });
              const sampled = await sc.render([hit], { seconds: 0.3, seed: 1, kit });
              rows.push({ pad, fraction, synth: sc.firstAbove(synth, 0), sampled: sc.firstAbove(sampled, 0) });
            }
          }
          return rows;
        },
        { kit, pads: [...PAD_IDS], time: HIT_TIME_S, rate: SAMPLE_RATE },
      );
      test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
      for (const r of result) expect(r.sampled, `${r.pad} at +${r.fraction} frame`).toBe(r.synth);
    });

    test(`${kit}: a closed hi-hat chokes a ringing pre-rendered open hi-hat, in either scheduling order`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ kit, time, rate }) => {
          const c = window.__audioCheck;
          const sc = window.__sampled;
          const from = Math.round((time + 0.3) * rate);
          const to = Math.round((time + 0.5) * rate);
          const open = { pad: "hihatOpen" as const, audioTime: time, velocity: 0.9 };
          const closed = { pad: "hihatClosed" as const, audioTime: time + 0.1, velocity: 0.9 };
          const secondOpen = { pad: "hihatOpen" as const, audioTime: time + 0.1, velocity: 0.9 };
          const bankHits = [open, closed];
          const ringing = await sc.render([open], { seconds: 1, seed: 3, kit, bankHits });
          const choked = await sc.render([open, closed], { seconds: 1, seed: 3, kit, bankHits });
          const chokedOutOfOrder = await sc.render([closed, open], { seconds: 1, seed: 3, kit, bankHits });
          // an open hat chokes an earlier one too (the second one rings on)
          const twoOpen = await sc.render([open, secondOpen], { seconds: 1, seed: 3, kit });
          const secondAlone = await sc.render([secondOpen], { seconds: 1, seed: 3, kit });
          // the choke is at the closed hat's time: before it, nothing changed
          const at = Math.floor((time + 0.1) * rate);
          return {
            ringingRms: c.rms(ringing, from, to),
            chokedRms: c.rms(choked, from, to),
            chokedOutOfOrderRms: c.rms(chokedOutOfOrder, from, to),
            twoOpenRms: c.rms(twoOpen, from, to),
            secondAloneRms: c.rms(secondAlone, from, to),
            untouchedBefore: c.peak(choked.map((x, i) => x - (ringing[i] ?? 0)), 0, at) < 1e-6,
          };
        },
        { kit, time: HIT_TIME_S, rate: SAMPLE_RATE },
      );
      test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
      expect(result.ringingRms).toBeGreaterThan(0.001);
      expect(result.chokedRms).toBeLessThan(result.ringingRms * 0.01);
      expect(result.chokedOutOfOrderRms).toBeLessThan(result.ringingRms * 0.01);
      expect(result.untouchedBefore).toBe(true);
      expect(Math.abs(20 * Math.log10(result.twoOpenRms / result.secondAloneRms))).toBeLessThan(0.5);
    });
  }

  test("WAV export (renderWav): pre-rendered voices sound like the synthesized render of the same recording", async ({ page }) => {
    const result = await page.evaluate(async () => {
      const { renderWav, buildEvents, selectPlayable, replayPlayers } = window.__export;
      const sc = window.__sampled;
      const RATE = 44_100;
      let seed = 42;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const startedAtMs = 1_000_000;
      const pads = ["kick", "tomLow", "tomHigh"] as const;
      /**
       * Two players for 24 s: a tonal groove (kick and toms) with human timing
       * and velocities. blockAligned: every hit on a multiple of 128 frames
       * (+1/44 frame), where Chromium's oscillators start in the same phase
       * as in the pre-rendered voice, so the waveforms can be compared.
       */
      const recording = (blockAligned: boolean, sparse = false) => {
        const hits: { participantId: string; seq: number; strikeAtMs: number; pad: PadId; velocity: number }[] = [];
        for (const [p, pid] of ["a", "b"].entries()) {
          for (let i = 0; i < (sparse ? 12 : 24 * 6); i++) {
            let atMs = sparse ? 200 + i * 2000 + p * 1000 + rnd() * 10 : 200 + i * 166.7 + p * 83 + (rnd() - 0.5) * 12;
            if (blockAligned) atMs = (Math.round((atMs / 1000) * (RATE / 128)) * 128 * 1000) / RATE + 0.001;
            hits.push({ participantId: pid, seq: i + 1, strikeAtMs: startedAtMs + atMs, pad: pads[Math.floor(rnd() * 3)]!, velocity: Math.round((0.2 + 0.8 * rnd()) * 100) / 100 });
          }
        }
        hits.sort((x, y) => x.strikeAtMs - y.strikeAtMs);
        const rec = {
          id: "r", roomCode: "c", title: "t", createdAt: "", startedAtMs, endedAtMs: startedAtMs + 24_500, tempoBpm: 90, beatsPerBar: 4, beatUnit: 4,
          participants: [{ id: "a", name: "A", color: "#f00" }, { id: "b", name: "B", color: "#00f" }], battles: [], hits, hearings: [],
        };
        const players = replayPlayers(rec);
        const events = buildEvents(rec, { kind: "played" }, players);
        return { rec, events, playable: selectPlayable(events, players.map(() => true)) };
      };
      const render = async (r: ReturnType<typeof recording>, voices: "sampled" | "synth", parallel?: number) => {
        const progress: number[] = [];
        const out = await renderWav({ ...r, fromMs: 0, toMs: 24_500, voices, parallel, onProgress: (f) => progress.push(f) });
        // stereo (pads placed left to right): compare the mono sum
        const pcm = new Int16Array(out.wav, 44);
        const x = Float32Array.from({ length: pcm.length / 2 }, (_, i) => (pcm[2 * i]! + pcm[2 * i + 1]!) / 65536);
        return { r: out, x, progress };
      };
      const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
      const firstSounds = (x: Float32Array) => {
        // the first sample of every sound that starts after 50 ms of silence
        const onsets: number[] = [];
        let quiet = Infinity;
        x.forEach((v, i) => {
          if (v !== 0) {
            if (quiet >= 0.05 * RATE) onsets.push(i);
            quiet = 0;
          } else quiet++;
        });
        return onsets;
      };
      // any timing, parallel segments (as the page renders)
      const human = recording(false);
      const synth = await render(human, "synth");
      const sampled = await render(human, "sampled");
      // one hit a second: every hit's first sample can be found
      const sparse = recording(false, true);
      const onsets = [firstSounds((await render(sparse, "synth")).x), firstSounds((await render(sparse, "sampled")).x)];
      // block-aligned hits, one segment: the waveform comparison
      const aligned = recording(true);
      const synthAligned = await render(aligned, "synth", 1);
      const sampledAligned = await render(aligned, "sampled", 1);
      const speed = (r: { renderedSec: number; renderWallMs: number }) => r.renderedSec / (r.renderWallMs / 1000);
      return {
        hits: [synth.r.hits, sampled.r.hits],
        segments: [synth.r.segments, sampled.r.segments],
        voices: [synth.r.voices, sampled.r.voices],
        lengths: [synth.x.length, sampled.x.length],
        onsets,
        levelDb: 20 * Math.log10(rms(sampled.x) / rms(synth.x)),
        correlation: sc.correlation(synth.x, sampled.x, 0, synth.x.length),
        alignedLevelDb: 20 * Math.log10(rms(sampledAligned.x) / rms(synthAligned.x)),
        alignedCorrelation: sc.correlation(synthAligned.x, sampledAligned.x, 0, synthAligned.x.length),
        speed: { synth: speed(synth.r), sampled: speed(sampled.r), sampledCachedVoices: speed(sampledAligned.r) },
        progress: sampled.progress.length,
        progressMonotonic: sampled.progress.every((f, i) => i === 0 || f >= sampled.progress[i - 1]!),
        progressLast: sampled.progress.at(-1),
      };
    });
    test.info().annotations.push({ type: "measured", description: JSON.stringify({ ...result, onsets: result.onsets.map((o) => o.length) }) });
    expect(result.voices).toEqual(["synth", "sampled"]);
    expect(result.hits).toEqual([288, 288]);
    expect(result.segments[1]).toBe(result.segments[0]);
    expect(result.lengths[1]).toBe(result.lengths[0]);
    expect(result.onsets[0]!.length).toBe(24);
    // 16-bit samples: the first samples of the 1 ms attack ramp are tiny, and whether they round
    // to 0 depends on the (random) noise and phase under them, so a sound's first non-zero 16-bit
    // sample can come a frame or two later in either render. In float the first sample is the
    // same (tests above); here: no hit more than 3 frames (0.07 ms) off, and no offset overall.
    const deltas = result.onsets[1]!.map((frame, i) => frame - result.onsets[0]![i]!);
    for (const d of deltas) expect(Math.abs(d), `onset differences (frames): ${deltas.join(" ")}`).toBeLessThanOrEqual(3);
    expect([...deltas].sort((a, b) => a - b)[deltas.length >> 1], `median onset difference: ${deltas.join(" ")}`).toBe(0);
    expect(Math.abs(result.levelDb)).toBeLessThan(1);
    expect(Math.abs(result.alignedLevelDb)).toBeLessThan(1);
    expect(result.alignedCorrelation).toBeGreaterThan(0.9);
    expect(result.progress).toBeGreaterThan(10);
    expect(result.progressMonotonic).toBe(true);
    expect(result.progressLast).toBe(1);
  });
});
