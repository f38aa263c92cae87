/**
 * The browser's sound module: synthesized drum kits (see ./kits) and a
 * metronome click.
 *
 * Browser-only (no React). Every hit is built from fresh native Web Audio
 * nodes that start at exactly the `audioTime` passed in: that makes voices
 * fully polyphonic (two hits of one pad 30 ms apart both ring) and avoids the
 * "Start time must be strictly greater than previous start time" error that
 * monophonic instruments (Tone.js's among them) raise on non-increasing times.
 *
 * No Tone.js (issue 13): it was only handed our context with Tone.setContext
 * and did no work, yet cost the room page ~56 kB gzipped (Tone plus its
 * standardized-audio-context; docs/benchmarks/bundle.md) and a clock worker.
 * Scheduling stays on the shared clock (../click-scheduler.ts and playout):
 * Tone's Transport would add a second timeline to map, and its voices are
 * monophonic. The one AudioContext is native, so `getOutputTimestamp()`,
 * `outputLatency` and `baseLatency` are read straight from it.
 */
import type { PadId } from "../../../core/kit";
import { acousticKit } from "./kits/acoustic";
import { tr808Kit } from "./kits/tr808";
import { HitSound, NOISE_SECONDS, type KitVoices, type SynthResources } from "./kits/voice";
import { DEFAULT_KIT, type KitId } from "./kit-ids";
import { CLICKS_BUS, DEFAULT_VOLUME, MixBuses } from "./mix-buses";

export { DEFAULT_KIT, KIT_IDS, KIT_NAMES, type KitId } from "./kit-ids";
export { CLICKS_BUS, DEFAULT_VOLUME } from "./mix-buses";

const KITS: Readonly<Record<KitId, KitVoices>> = {
  acoustic: acousticKit,
  "808": tr808Kit,
};

/** The voices of a kit, as the engine plays them (for offline pre-rendering, see ./voice-cache). */
export function kitVoices(kit: KitId): KitVoices {
  return KITS[validKit(kit)];
}

export interface AudioEngineOptions {
  /** kit to start with; default "acoustic" */
  kit?: KitId;
  /** latencyHint of the context the engine creates (ignored when a context is passed in) */
  latencyHint?: AudioContextLatencyCategory | number;
  /** where the voices go (createOutputChain): the speakers (default) or an export */
  output?: EngineOutput;
}

export interface AudioEngine<C extends BaseAudioContext = AudioContext> {
  /** the native AudioContext (created by the engine unless one was passed in): the page's only one */
  readonly context: C;
  /** resume the context (call from a user gesture) */
  resume(): Promise<void>;
  /**
   * Play a drum hit at an absolute AudioContext time in seconds
   * (context.currentTime base). Times in the past play immediately.
   * velocity 0..1 changes loudness and tone (brighter, and on drums a
   * higher-starting pitch, when harder); velocity 0 is silent.
   * Sounds with the kit selected at the time of the call.
   * `bus`: the mix bus it plays through (setBusGain) — a partner's participant id, or CLICKS_BUS
   * for the backing groove; none (your own hits, replays, exports): straight into the master.
   */
  playHit(pad: PadId, audioTime: number, velocity: number, bus?: string): void;
  /** the kit that subsequent playHit calls sound with */
  readonly kit: KitId;
  /**
   * Switch kits for subsequent playHit calls; hits already scheduled keep
   * their sound. A closed hi-hat still chokes an open one across a switch.
   */
  setKit(kit: KitId): void;
  /** metronome click at audioTime (through CLICKS_BUS); accent=true for beat 1 of the bar (higher pitch) */
  playClick(audioTime: number, accent: boolean): void;
  /** master volume 0..1 (linear gain) */
  setVolume(v: number): void;
  /** a mix bus's linear gain 0..1 (0: muted, its new hits are not even built); a bus not used yet starts at it */
  setBusGain(bus: string, gain: number): void;
  dispose(): void;
}

/** choked open hi-hat fades out over this time instead of cutting (no click) */
export const CHOKE_FADE_S = 0.012;
/** hi-hat events older than this cannot affect choking any more (open hat rings < 1 s) */
const HAT_EVENT_MEMORY_S = 2;

function assertUnit(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${name} must be within [0, 1], got: ${value}`);
  }
}

function validKit(kit: KitId): KitId {
  if (!Object.hasOwn(KITS, kit)) throw new RangeError(`Unknown kit: ${String(kit)}`);
  return kit;
}

function isNativeAudioContext(ctx: BaseAudioContext): ctx is AudioContext {
  return typeof AudioContext !== "undefined" && ctx instanceof AudioContext;
}

/** Soft-clip curve: linear up to |x| = 0.7, then a tanh knee towards ±1. */
export function softClipCurve(): Float32Array<ArrayBuffer> {
  // The shaper's input domain is [-1, 1]; we feed it half the signal so it
  // covers ±2 of input, and undo the halving in the curve (y = f(2x)).
  const n = 4097; // odd: the middle point is exactly 0, so silence stays silent
  const curve = new Float32Array(n);
  const knee = 0.7;
  for (let i = 0; i < n; i++) {
    const u = ((i / (n - 1)) * 2 - 1) * 2;
    const a = Math.abs(u);
    const y = a <= knee ? a : knee + (1 - knee) * Math.tanh((a - knee) / (1 - knee));
    curve[i] = Math.sign(u) * y;
  }
  return curve;
}

/**
 * Where an engine's voices go. "speakers": mono, master volume, then the soft
 * clipper (protects ears and speakers from stacked hits). "export": every pad
 * placed in stereo (EXPORT_PAN), one fixed gain (EXPORT_GAIN), nothing
 * nonlinear: a DAW gets the kit as played, with headroom (../replay-wav.ts
 * checks the peak of every file it writes).
 */
export type EngineOutput = "speakers" | "export";

/**
 * Stereo placement of each pad in exports (−1 left … +1 right), as an audience
 * sees a right-handed kit: hi-hats and crash right, ride and floor tom left,
 * toms spread between, kick and snare in the middle.
 */
export const EXPORT_PAN: Readonly<Record<PadId, number>> = {
  kick: 0,
  snare: 0.1,
  hihatClosed: 0.45,
  hihatOpen: 0.45,
  tomHigh: 0.2,
  tomLow: -0.35,
  crash: 0.3,
  ride: -0.4,
};

/**
 * Linear gain of exports, in place of the speakers' volume and clipper: the
 * speakers' level (DEFAULT_VOLUME) made up for the 3 dB a centred pad loses to
 * the pan law, so an export is as loud as the jam sounded. Hits that pile up
 * louder than the headroom allows (two players striking kick, both hi-hats,
 * snare, ride and crash at once add up to ~13 dB over full scale) make
 * ../export-audio.ts scale the whole file down instead of clipping it.
 */
export const EXPORT_GAIN = DEFAULT_VOLUME * Math.SQRT2;

export interface OutputChain {
  /** the master gain (the volume) */
  readonly master: GainNode;
  /** where a pad's voices connect (null: a click) */
  input(pad: PadId | null): AudioNode;
  dispose(): void;
}

/** The master chain of an engine or a pre-rendered kit (./voice-cache), for the speakers or an export. */
export function createOutputChain(ctx: BaseAudioContext, output: EngineOutput = "speakers"): OutputChain {
  const master = ctx.createGain();
  if (output === "speakers") {
    // Voices -> master (volume) -> soft clipper -> destination. No
    // DynamicsCompressorNode: Chromium's has a ~6 ms look-ahead delay, which
    // would shift every onset off its scheduled time.
    master.gain.value = DEFAULT_VOLUME;
    const preClip = ctx.createGain();
    preClip.gain.value = 0.5;
    const shaper = ctx.createWaveShaper();
    shaper.curve = softClipCurve();
    shaper.oversample = "none"; // oversampling adds latency
    master.connect(preClip).connect(shaper).connect(ctx.destination);
    return {
      master,
      input: () => master,
      dispose() {
        shaper.disconnect();
        preClip.disconnect();
        master.disconnect();
      },
    };
  }
  if (output !== "export") throw new RangeError(`Unknown engine output: ${String(output)}`);
  master.gain.value = EXPORT_GAIN;
  master.connect(ctx.destination);
  const panners = new Map<PadId, StereoPannerNode>();
  return {
    master,
    input(pad) {
      if (pad === null) return master;
      let p = panners.get(pad);
      if (!p) {
        p = ctx.createStereoPanner();
        p.pan.value = EXPORT_PAN[pad];
        p.connect(master);
        panners.set(pad, p);
      }
      return p;
    },
    dispose() {
      for (const p of panners.values()) p.disconnect();
      master.disconnect();
    },
  };
}

interface OpenHatVoice {
  startTime: number;
  endTime: number;
  chokeGain: GainNode;
  chokedAt: number;
}

export function createAudioEngine(context?: undefined, options?: AudioEngineOptions): AudioEngine<AudioContext>;
export function createAudioEngine<C extends BaseAudioContext>(context: C, options?: AudioEngineOptions): AudioEngine<C>;
export function createAudioEngine(context?: BaseAudioContext, options: AudioEngineOptions = {}): AudioEngine<BaseAudioContext> {
  const ownsContext = context === undefined;
  const ctx: BaseAudioContext = context ?? new AudioContext({ latencyHint: options.latencyHint ?? "interactive" });

  const out = createOutputChain(ctx, options.output);
  const master = out.master;
  // Exports place every pad in stereo (out.input(pad)) and play no partners or clicks: no buses there.
  const buses = options.output === "export" ? null : new MixBuses(ctx, master);

  const noiseBuffer = ctx.createBuffer(1, Math.round(NOISE_SECONDS * ctx.sampleRate), ctx.sampleRate);
  {
    const data = noiseBuffer.getChannelData(0);
    for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  }

  let disposed = false;
  let openHats: OpenHatVoice[] = [];
  /** start times of recent hi-hat hits (closed and open), for choking */
  let hatEvents: number[] = [];

  const resources: SynthResources = { ctx, noiseBuffer };
  let kit: KitId = validKit(options.kit ?? DEFAULT_KIT);

  // ---- hi-hat choke ------------------------------------------------------
  // Kit-independent: the hi-hat is one instrument under the player's foot,
  // so a closed hat of either kit chokes an open hat of either kit.

  function rememberHatEvent(t: number): void {
    const horizon = ctx.currentTime - HAT_EVENT_MEMORY_S;
    hatEvents = hatEvents.filter((e) => e > horizon);
    hatEvents.push(t);
    openHats = openHats.filter((h) => h.endTime > ctx.currentTime && h.chokedAt > ctx.currentTime);
  }

  /** Fade a ringing open hat out from `at`, like a hi-hat closing on it. */
  function choke(voice: OpenHatVoice, at: number): void {
    if (at <= voice.startTime || at >= voice.chokedAt || at >= voice.endTime) return;
    const g = voice.chokeGain.gain;
    // Any earlier-planned choke lies in the future (at < chokedAt), so
    // cancelling everything is safe and leaves the default value 1.
    g.cancelScheduledValues(0);
    g.setValueAtTime(1, at);
    g.linearRampToValueAtTime(0, at + CHOKE_FADE_S);
    voice.chokedAt = at;
  }

  /** Any hi-hat hit (closed or open) at `t` chokes open hats that started before it. */
  function chokeOpenHatsAt(t: number): void {
    for (const voice of openHats) choke(voice, t);
  }

  function play(pad: PadId, t: number, velocity: number, dest: AudioNode): void {
    const voice = KITS[kit][pad];
    if (pad === "hihatClosed") {
      chokeOpenHatsAt(t);
      rememberHatEvent(t);
      voice(new HitSound(resources, t, dest), velocity);
    } else if (pad === "hihatOpen") {
      chokeOpenHatsAt(t);
      const chokeGain = ctx.createGain();
      chokeGain.connect(dest);
      const hit = new HitSound(resources, t, chokeGain);
      hit.node(chokeGain); // disconnected with the hit's other nodes
      voice(hit, velocity);
      const openHat: OpenHatVoice = { startTime: t, endTime: hit.endTime, chokeGain, chokedAt: Infinity };
      // Hits may be scheduled out of order: a hat hit already planned after
      // this one chokes it too.
      const later = hatEvents.filter((e) => e > t);
      if (later.length > 0) choke(openHat, Math.min(...later));
      rememberHatEvent(t);
      openHats.push(openHat);
    } else {
      voice(new HitSound(resources, t, dest), velocity);
    }
  }

  function startTime(audioTime: number): number {
    if (!Number.isFinite(audioTime)) {
      throw new RangeError(`audioTime must be a finite number of seconds, got: ${audioTime}`);
    }
    // The past plays now: Web Audio would do this for sources anyway, and
    // clamping keeps the envelope automation aligned with the source start.
    return Math.max(audioTime, ctx.currentTime);
  }

  function usable(): boolean {
    return !disposed && ctx.state !== "closed";
  }

  return {
    context: ctx,

    async resume(): Promise<void> {
      if (isNativeAudioContext(ctx) && ctx.state !== "running" && ctx.state !== "closed") {
        await ctx.resume();
      }
    },

    playHit(pad: PadId, audioTime: number, velocity: number, bus?: string): void {
      assertUnit("velocity", velocity);
      if (!Object.hasOwn(KITS[kit], pad)) throw new RangeError(`Unknown pad: ${String(pad)}`);
      const t = startTime(audioTime);
      if (!usable() || velocity === 0) return;
      if (bus === undefined || buses === null) return play(pad, t, velocity, out.input(pad));
      if (buses.silent(bus)) return; // muted: not built, so its hi-hat chokes none of the hats still heard
      play(pad, t, velocity, buses.input(bus));
    },

    get kit(): KitId {
      return kit;
    },

    setKit(next: KitId): void {
      kit = validKit(next);
    },

    playClick(audioTime: number, accent: boolean): void {
      const t = startTime(audioTime);
      if (!usable()) return;
      if (buses?.silent(CLICKS_BUS)) return;
      const hit = new HitSound(resources, t, buses ? buses.input(CLICKS_BUS) : master);
      const env = hit.envelope(accent ? 0.45 : 0.3, 0.03);
      env.gain.connect(hit.out);
      const lp = hit.filter("lowpass", 5000); // soften the square's top end
      lp.connect(env.gain);
      // E6 / A6: a fourth apart, so the downbeat stands out without sounding wrong
      hit.osc("square", accent ? 1760 : 1319, env.endTime).connect(lp);
    },

    setVolume(v: number): void {
      assertUnit("volume", v);
      if (!usable()) return;
      // 10 ms smoothing avoids a zipper click when a slider moves
      master.gain.setTargetAtTime(v, ctx.currentTime, 0.01);
    },

    setBusGain(bus: string, gain: number): void {
      assertUnit("gain", gain);
      if (!usable()) return;
      buses?.set(bus, gain);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      openHats = [];
      hatEvents = [];
      buses?.dispose();
      out.dispose();
      if (ownsContext && isNativeAudioContext(ctx) && ctx.state !== "closed") {
        void ctx.close();
      }
    },
  };
}
