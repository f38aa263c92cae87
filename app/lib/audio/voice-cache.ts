/**
 * Pre-rendered drum voices, for offline export (the replay page's WAV export,
 * ../replay-wav.ts).
 *
 * A hit is a one-shot: what it sounds like depends only on the kit, the pad
 * and the velocity (plus random numbers for noise offsets and detune). So
 * instead of building every hit's synthesized node graph (10–40 native nodes
 * per hit, see ./kits), each (kit, pad, velocity layer) voice is rendered ONCE
 * by the real kit code into an AudioBuffer, and a recording is rendered by
 * playing those buffers: one AudioBufferSourceNode and one GainNode per hit.
 *
 * - Velocity picks the nearest of VOICE_LAYERS layers (centres 1/L, 2/L, … 1),
 *   so tone (pitch sweep, brightness, decay) still follows velocity in steps
 *   of 1/L; the level difference to the layer centre is made up exactly with
 *   the kits' loudness curve (`amplitude`).
 * - Noise and the metal banks' random detune are frozen into the buffers, so
 *   hits of one layer would sound identical; VOICE_VARIANTS renders per layer
 *   (other random numbers) are rotated to keep repeated hits from being
 *   bit-identical. Acceptable for export; live play keeps the exact per-hit
 *   synthesis of ./engine.ts (and its tiny latency).
 * - Onsets: a pre-rendered voice (rendered at time 0) is silent at its frame
 *   0, its envelope starting from 0, and sounds from frame 1. A synthesized
 *   hit at time t (f = t · rate frames) sounds from the first frame after f
 *   when it has a noise source (Chromium starts buffer sources sub-sample
 *   accurately), but one frame later when it has only oscillators (they start
 *   on the whole frame ⌈f⌉, at phase 0, i.e. silent). So a voice with noise is
 *   started at t itself (sub-sample, like the synthesized noise), an
 *   oscillator-only voice at frame ⌈f⌉ (like the oscillators): either way both
 *   renders sound from the same sample. (Only a hit within ~1/1000 of a frame
 *   before a frame boundary can differ: its first sample, ~1e-7 of the peak,
 *   is dropped by some synthesized graphs.)
 * - Waveform: Chromium starts an oscillator's phase according to where its
 *   start falls within a 128-frame render block, so two synthesized hits of
 *   one voice at different times are not time-shifted copies of each other
 *   either; at block-aligned times the pre-rendered voice and the synthesized
 *   one correlate ≥ 0.99 for tonal pads (e2e/audio-engine.spec.ts).
 * - The master chain (volume → soft clipper) and the hi-hat choke (any hat
 *   hit fades a ringing open hat out over CHOKE_FADE_S) are the engine's.
 */
import { PAD_IDS, type PadId } from "../../../core/kit";
import { CHOKE_FADE_S, createOutputChain, kitVoices, type EngineOutput, type KitId } from "./engine";
import { amplitude, HitSound, NOISE_SECONDS, type SynthResources } from "./kits/voice";

/** velocity layers per pad: centres 1/L … L/L */
export const VOICE_LAYERS = 12;
/** renders per layer with other random numbers (noise, detune), rotated */
export const VOICE_VARIANTS = 2;
/** an OfflineAudioContext has at most 32 channels: all of one pad's renders share one context */
const MAX_RENDERS_PER_PAD = 32;
/** trailing samples of a voice below this are cut (−140 dBFS) */
const SILENCE = 1e-7;
/** hi-hat events older than this cannot affect choking any more (as in the engine) */
const HAT_EVENT_MEMORY_S = 2;

/** One pad's pre-rendered voices: buffers[layer * variants + variant]; layers not loaded are undefined. */
export interface PadVoices {
  readonly pad: PadId;
  readonly layers: number;
  readonly variants: number;
  readonly buffers: readonly (AudioBuffer | undefined)[];
  /** per layer: the voice has a buffer (noise) source, so it starts sub-sample accurately (see above) */
  readonly subSample: readonly boolean[];
}

export interface VoiceBank {
  readonly kit: KitId;
  readonly sampleRate: number;
  readonly pads: Readonly<Partial<Record<PadId, PadVoices>>>;
}

/** velocity at the centre of `layer` (0-based) */
export function layerVelocity(layer: number, layers = VOICE_LAYERS): number {
  return (layer + 1) / layers;
}

/** the layer whose centre is nearest to `velocity` (velocities below the first centre use the first layer) */
export function nearestLayer(velocity: number, layers = VOICE_LAYERS): number {
  return Math.min(layers - 1, Math.max(0, Math.round(velocity * layers) - 1));
}

const noiseBuffers = new Map<number, AudioBuffer>();
function noiseBuffer(sampleRate: number): AudioBuffer {
  let b = noiseBuffers.get(sampleRate);
  if (!b) {
    b = new AudioBuffer({ numberOfChannels: 1, length: Math.round(NOISE_SECONDS * sampleRate), sampleRate });
    const data = b.getChannelData(0);
    for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
    noiseBuffers.set(sampleRate, b);
  }
  return b;
}

interface RenderedLayer {
  buffers: AudioBuffer[];
  subSample: boolean;
}

/**
 * Renders `layers` (indices) × `variants` of one pad in one multi-channel
 * offline context, one channel each; returns them layer by layer.
 */
async function renderLayers(kit: KitId, pad: PadId, sampleRate: number, layerCount: number, layers: readonly number[], variants: number): Promise<RenderedLayer[]> {
  // one task per context: building all pads' graphs at once would block the page for a while
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  const count = layers.length * variants;
  const voice = kitVoices(kit)[pad];
  const noise = noiseBuffer(sampleRate);
  // The context's length must be known before the voices are built: build them
  // once in a throwaway context (never rendered) to learn when the longest ends.
  const probe = new OfflineAudioContext({ numberOfChannels: 1, length: 1, sampleRate });
  const probeRes: SynthResources = { ctx: probe, noiseBuffer: noise };
  let endS = 0;
  const subSample = layers.map((l) => {
    const hit = new HitSound(probeRes, 0, probe.destination);
    voice(hit, layerVelocity(l, layerCount));
    endS = Math.max(endS, hit.endTime);
    return hit.nodes.some((n) => n instanceof AudioBufferSourceNode);
  });
  const length = Math.max(1, Math.ceil((endS + 0.02) * sampleRate));
  const ctx = new OfflineAudioContext({ numberOfChannels: count, length, sampleRate });
  const merger = ctx.createChannelMerger(count);
  merger.connect(ctx.destination);
  const res: SynthResources = { ctx, noiseBuffer: noise };
  layers.forEach((l, i) => {
    for (let k = 0; k < variants; k++) {
      const out = ctx.createGain();
      out.connect(merger, 0, i * variants + k);
      voice(new HitSound(res, 0, out), layerVelocity(l, layerCount));
    }
  });
  const rendered = await ctx.startRendering();
  return layers.map((_, i) => {
    const buffers: AudioBuffer[] = [];
    for (let k = 0; k < variants; k++) {
      const data = rendered.getChannelData(i * variants + k);
      let end = data.length;
      while (end > 1 && Math.abs(data[end - 1]!) < SILENCE) end--;
      const b = new AudioBuffer({ numberOfChannels: 1, length: end, sampleRate });
      b.copyToChannel(data.subarray(0, end), 0);
      buffers.push(b);
    }
    return { buffers, subSample: subSample[i]! };
  });
}

/** (kit, pad, rate, layers, variants, layer) → that layer's variants */
const cache = new Map<string, Promise<RenderedLayer>>();

/**
 * Pre-rendered voices of a kit at a sample rate: the layers that `hits` need
 * (pad and velocity), or else every layer of `pads` (default: all pads).
 * Missing layers of a pad render together in one offline context (pads in
 * parallel) and are cached for the page's lifetime (at 44.1 kHz up to ~10 MB
 * for the crash, ~25 MB for all of a kit's layers), so a second export starts
 * at once.
 */
export async function loadVoiceBank(opts: {
  kit: KitId;
  sampleRate: number;
  hits?: Iterable<{ pad: PadId; velocity: number }>;
  pads?: readonly PadId[];
  layers?: number;
  variants?: number;
  /**
   * Called with the renders (layer × variant) done so far and the total this
   * call starts: (0, total) at once, then as they complete. Not called when
   * everything needed is cached.
   */
  onProgress?: (done: number, total: number) => void;
}): Promise<VoiceBank> {
  const layers = opts.layers ?? VOICE_LAYERS;
  const variants = opts.variants ?? VOICE_VARIANTS;
  if (!Number.isInteger(layers) || layers < 1 || !Number.isInteger(variants) || variants < 1 || variants > MAX_RENDERS_PER_PAD) {
    throw new RangeError(`layers and variants must be positive integers (variants ≤ ${MAX_RENDERS_PER_PAD}), got: ${layers}, ${variants}`);
  }
  const voices = kitVoices(opts.kit); // validates the kit
  const need = new Map<PadId, Set<number>>();
  if (opts.hits) {
    for (const { pad, velocity } of opts.hits) {
      if (!Object.hasOwn(voices, pad)) throw new RangeError(`Unknown pad: ${String(pad)}`);
      if (!(velocity > 0)) continue;
      let s = need.get(pad);
      if (!s) need.set(pad, (s = new Set()));
      s.add(nearestLayer(velocity, layers));
    }
  } else {
    for (const pad of opts.pads ?? PAD_IDS) need.set(pad, new Set(Array.from({ length: layers }, (_, l) => l)));
  }
  const key = (pad: PadId, l: number) => `${opts.kit}|${pad}|${opts.sampleRate}|${layers}|${variants}|${l}`;
  const perContext = Math.max(1, Math.floor(MAX_RENDERS_PER_PAD / variants));
  const batches: [PadId, number[]][] = [];
  for (const [pad, want] of need) {
    const missing = [...want].filter((l) => !cache.has(key(pad, l))).sort((a, b) => a - b);
    for (let i = 0; i < missing.length; i += perContext) batches.push([pad, missing.slice(i, i + perContext)]);
  }
  const total = batches.reduce((n, [, b]) => n + b.length * variants, 0);
  let done = 0;
  if (total > 0) opts.onProgress?.(0, total);
  for (const [pad, batch] of batches) {
    const rendering = renderLayers(opts.kit, pad, opts.sampleRate, layers, batch, variants);
    const report = opts.onProgress;
    if (report) {
      rendering.then(
        () => report((done += batch.length * variants), total),
        () => undefined,
      );
    }
    batch.forEach((l, j) => {
      const p = rendering.then((r) => r[j]!);
      cache.set(key(pad, l), p);
      p.catch(() => cache.delete(key(pad, l)));
    });
  }
  const byPad: Partial<Record<PadId, PadVoices>> = {};
  await Promise.all(
    [...need].map(async ([pad, want]) => {
      const buffers: (AudioBuffer | undefined)[] = new Array(layers * variants).fill(undefined);
      const subSample = new Array<boolean>(layers).fill(false);
      for (const l of want) {
        const r = await cache.get(key(pad, l))!;
        r.buffers.forEach((x, k) => (buffers[l * variants + k] = x));
        subSample[l] = r.subSample;
      }
      byPad[pad] = { pad, layers, variants, buffers, subSample };
    }),
  );
  return { kit: opts.kit, sampleRate: opts.sampleRate, pads: byPad };
}

/** Forget all pre-rendered voices (frees their memory). */
export function clearVoiceCache(): void {
  cache.clear();
  noiseBuffers.clear();
}

/** A drum player on pre-rendered voices: AudioEngine's playHit for offline export. */
export interface SampledKit<C extends BaseAudioContext = BaseAudioContext> {
  readonly context: C;
  /**
   * Play `pad` at `audioTime` (seconds, context time; the past plays now) with
   * velocity 0..1 (0 is silent), as the engine would with the bank's kit.
   * The pad must be in the bank.
   */
  playHit(pad: PadId, audioTime: number, velocity: number): void;
  dispose(): void;
}

interface OpenHat {
  startTime: number;
  endTime: number;
  gain: GainNode;
  level: number;
  chokedAt: number;
}

/**
 * Plays `bank` into `ctx` through the engine's master chain: for the speakers
 * (default volume, soft clipper) or, with `output: "export"`, placed in stereo
 * at the export gain with nothing nonlinear (./engine.ts createOutputChain).
 */
export function createSampledKit<C extends BaseAudioContext>(ctx: C, bank: VoiceBank, options: { output?: EngineOutput } = {}): SampledKit<C> {
  if (ctx.sampleRate !== bank.sampleRate) {
    throw new RangeError(`voice bank rendered at ${bank.sampleRate} Hz, context runs at ${ctx.sampleRate} Hz`);
  }
  const out = createOutputChain(ctx, options.output);

  let disposed = false;
  let openHats: OpenHat[] = [];
  let hatEvents: number[] = [];
  const nextVariant = new Map<PadId, number>();

  function rememberHatEvent(t: number): void {
    const horizon = ctx.currentTime - HAT_EVENT_MEMORY_S;
    hatEvents = hatEvents.filter((e) => e > horizon);
    hatEvents.push(t);
    openHats = openHats.filter((h) => h.endTime > ctx.currentTime && h.chokedAt > ctx.currentTime);
  }

  /** as the engine's choke: fade from `at` over CHOKE_FADE_S */
  function choke(h: OpenHat, at: number): void {
    if (at <= h.startTime || at >= h.chokedAt || at >= h.endTime) return;
    const g = h.gain.gain;
    g.cancelScheduledValues(0);
    g.setValueAtTime(h.level, at);
    g.linearRampToValueAtTime(0, at + CHOKE_FADE_S);
    h.chokedAt = at;
  }

  return {
    context: ctx,

    playHit(pad: PadId, audioTime: number, velocity: number): void {
      if (!Number.isFinite(velocity) || velocity < 0 || velocity > 1) throw new RangeError(`velocity must be within [0, 1], got: ${velocity}`);
      if (!Number.isFinite(audioTime)) throw new RangeError(`audioTime must be a finite number of seconds, got: ${audioTime}`);
      if (!(PAD_IDS as readonly string[]).includes(pad)) throw new RangeError(`Unknown pad: ${String(pad)}`);
      const t = Math.max(audioTime, ctx.currentTime);
      if (disposed || velocity === 0) return;
      const voices = bank.pads[pad];
      if (!voices) throw new RangeError(`pad not in the voice bank: ${pad}`);
      const layer = nearestLayer(velocity, voices.layers);
      const n = nextVariant.get(pad) ?? 0;
      nextVariant.set(pad, n + 1);
      const buffer = voices.buffers[layer * voices.variants + (n % voices.variants)];
      if (!buffer) throw new RangeError(`velocity layer ${layer} of ${pad} not in the voice bank (velocity ${velocity})`);
      const level = amplitude(velocity) / amplitude(layerVelocity(layer, voices.layers));
      const src = ctx.createBufferSource();
      src.buffer = buffer;
      const g = ctx.createGain();
      g.gain.value = level;
      src.connect(g).connect(out.input(pad));
      src.onended = () => {
        src.disconnect();
        g.disconnect();
      };
      // (see "Onsets" above; the epsilon keeps a time a rounding error past a frame on that frame)
      src.start(voices.subSample[layer] ? t : Math.ceil(t * ctx.sampleRate - 1e-6) / ctx.sampleRate);
      if (pad === "hihatClosed" || pad === "hihatOpen") {
        for (const h of openHats) choke(h, t);
        if (pad === "hihatOpen") {
          const h: OpenHat = { startTime: t, endTime: t + buffer.duration, gain: g, level, chokedAt: Infinity };
          const later = hatEvents.filter((e) => e > t);
          if (later.length > 0) choke(h, Math.min(...later));
          openHats.push(h);
        }
        rememberHatEvent(t);
      }
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      openHats = [];
      hatEvents = [];
      out.dispose();
    },
  };
}
