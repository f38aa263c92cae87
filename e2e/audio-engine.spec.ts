/**
 * The synthesized drum kit (app/lib/audio/engine.ts), checked in Chromium
 * without the Next app: the module is bundled with esbuild and loaded into a
 * blank page. Sound checks render offline (OfflineAudioContext) with a seeded
 * Math.random, so they are deterministic and independent of wall time.
 */
import { expect, test, type Page } from "@playwright/test";
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PAD_IDS, type PadId } from "../core/kit";
import type { AudioEngine, createAudioEngine } from "../app/lib/audio/engine";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const SAMPLE_RATE = 48000;
/** Web Audio renders in blocks of 128 frames; an onset must land inside the block of its time */
const BLOCK = 128;
/** deliberately not block-aligned: 0.1 s + 37 frames */
const HIT_TIME_S = 0.1 + 37 / SAMPLE_RATE;

type RenderEvent =
  | { kind: "hit"; pad: PadId; audioTime: number; velocity: number }
  | { kind: "click"; audioTime: number; accent: boolean };

interface AudioCheck {
  render(events: RenderEvent[], options: { seconds: number; seed: number; volume?: number }): Promise<Float32Array>;
  peak(samples: Float32Array, from?: number, to?: number): number;
  rms(samples: Float32Array, from: number, to: number): number;
  /** first frame whose magnitude exceeds `threshold`, or -1 */
  onset(samples: Float32Array, threshold: number): number;
  /** RMS of the first difference over RMS: a crude high-frequency (brightness) measure */
  brightness(samples: Float32Array, from: number, to: number): number;
  /** frames from `from` until the signal stays below `fraction` of its peak */
  ringFrames(samples: Float32Array, from: number, fraction: number): number;
  zeroCrossingHz(samples: Float32Array, from: number, to: number, sampleRate: number): number;
}

declare global {
  interface Window {
    __kit: { createAudioEngine: typeof createAudioEngine; Tone: typeof import("tone") };
    __audioCheck: AudioCheck;
  }
}

let bundle = "";

test.beforeAll(async () => {
  const result = await build({
    stdin: {
      contents: [
        'import { createAudioEngine } from "./app/lib/audio/engine";',
        'import * as Tone from "tone";',
        "window.__kit = { createAudioEngine, Tone };",
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
    async render(events, { seconds, seed, volume = 0.5 }) {
      const realRandom = Math.random;
      Math.random = mulberry32(seed);
      try {
        const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: Math.round(seconds * sampleRate), sampleRate });
        const engine = window.__kit.createAudioEngine(ctx);
        engine.setVolume(volume);
        for (const e of events) {
          if (e.kind === "hit") engine.playHit(e.pad, e.audioTime, e.velocity);
          else engine.playClick(e.audioTime, e.accent);
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
  };
  window.__audioCheck = check;
}

async function openKitPage(page: Page): Promise<void> {
  await page.setContent("<!doctype html><title>audio engine check</title>");
  await page.addScriptTag({ content: "window.TONE_SILENCE_LOGGING = true;" });
  await page.addScriptTag({ content: bundle });
  await page.evaluate(installAudioCheck, SAMPLE_RATE);
}

test.describe("synthesized drum kit (offline render)", () => {
  test.beforeEach(async ({ page }) => openKitPage(page));

  for (const pad of PAD_IDS) {
    test(`${pad}: sounds at the scheduled time, louder and brighter with velocity`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ pad, time, rate }) => {
          const c = window.__audioCheck;
          const at = Math.round(time * rate);
          const measure = async (velocity: number) => {
            const s = await c.render([{ kind: "hit", pad, audioTime: time, velocity }], { seconds: 3, seed: 7 });
            const peak = c.peak(s);
            return {
              velocity,
              peak,
              silentBefore: c.peak(s, 0, at) === 0,
              onsetFrames: c.onset(s, peak * 1e-3) - at,
              brightness: c.brightness(s, at, at + Math.round(0.05 * rate)),
              ringMs: (c.ringFrames(s, at, 1e-3) / rate) * 1000,
            };
          };
          return { soft: await measure(0.3), medium: await measure(0.6), hard: await measure(1) };
        },
        { pad, time: HIT_TIME_S, rate: SAMPLE_RATE },
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
      expect(hard.brightness).toBeGreaterThan(soft.brightness);
    });

    test(`${pad}: two hits 30 ms apart both sound`, async ({ page }) => {
      const result = await page.evaluate(
        async ({ pad, time, rate }) => {
          const c = window.__audioCheck;
          const second = time + 0.03;
          const at2 = Math.round(second * rate);
          const hit = (audioTime: number) => ({ kind: "hit" as const, pad, audioTime, velocity: 0.8 });
          // Same seed: the first hit consumes the same random numbers in both
          // renders, so (both - firstOnly) isolates what the second hit added.
          const firstOnly = await c.render([hit(time)], { seconds: 3, seed: 11 });
          const both = await c.render([hit(time), hit(second)], { seconds: 3, seed: 11 });
          const secondAlone = await c.render([hit(second)], { seconds: 3, seed: 11 });
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
        { pad, time: HIT_TIME_S, rate: SAMPLE_RATE },
      );
      test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
      expect(result.unchangedBeforeSecond).toBe(true);
      expect(result.secondOnsetFrames).toBeGreaterThanOrEqual(0);
      expect(result.secondOnsetFrames).toBeLessThan(BLOCK);
      expect(result.addedPeak).toBeGreaterThan(result.secondAlonePeak * 0.5);
    });
  }

  test("closed hi-hat chokes a ringing open hi-hat", async ({ page }) => {
    const result = await page.evaluate(
      async ({ time, rate }) => {
        const c = window.__audioCheck;
        const from = Math.round((time + 0.3) * rate);
        const to = Math.round((time + 0.5) * rate);
        const open = { kind: "hit" as const, pad: "hihatOpen" as const, audioTime: time, velocity: 0.9 };
        const closed = { kind: "hit" as const, pad: "hihatClosed" as const, audioTime: time + 0.1, velocity: 0.9 };
        const ringing = await c.render([open], { seconds: 1, seed: 3 });
        const choked = await c.render([open, closed], { seconds: 1, seed: 3 });
        // scheduled out of order: the closed hat is planned before the open one
        const chokedOutOfOrder = await c.render([closed, open], { seconds: 1, seed: 3 });
        return {
          ringingRms: c.rms(ringing, from, to),
          chokedRms: c.rms(choked, from, to),
          chokedOutOfOrderRms: c.rms(chokedOutOfOrder, from, to),
        };
      },
      { time: HIT_TIME_S, rate: SAMPLE_RATE },
    );
    test.info().annotations.push({ type: "measured", description: JSON.stringify(result) });
    expect(result.ringingRms).toBeGreaterThan(0.001);
    expect(result.chokedRms).toBeLessThan(result.ringingRms * 0.01);
    expect(result.chokedOutOfOrderRms).toBeLessThan(result.ringingRms * 0.01);
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
      for (const pad of pads) {
        engine.playHit(pad, now - 0.5, 0.8); // in the past
        engine.playHit(pad, now + 0.05, 0.8);
        engine.playHit(pad, now + 0.05, 0.6); // same time again
        engine.playHit(pad, now + 0.04, 0.4); // earlier than the previous one
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
