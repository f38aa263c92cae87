/**
 * The browser's sound module: a synthesized drum kit and a metronome click.
 *
 * Browser-only (no React). Every hit is built from fresh native Web Audio
 * nodes that start at exactly the `audioTime` passed in: that makes voices
 * fully polyphonic (two hits of one pad 30 ms apart both ring) and avoids the
 * "Start time must be strictly greater than previous start time" error that
 * Tone's monophonic instruments raise on non-increasing times. Tone.js is
 * only told about our context (`Tone.setContext`) so any Tone code elsewhere
 * in the app shares the same NATIVE AudioContext, which keeps
 * `getOutputTimestamp()`, `outputLatency` and `baseLatency` reachable
 * (see /work/shared/notes/timing-background.md, "Tone.js and the audio clock").
 */
import * as Tone from "tone";
import type { PadId } from "../../../core/kit";

export interface AudioEngine<C extends BaseAudioContext = AudioContext> {
  /** the native AudioContext (created by us and handed to Tone with Tone.setContext) */
  readonly context: C;
  /** resume the context (call from a user gesture) */
  resume(): Promise<void>;
  /**
   * Play a drum hit at an absolute AudioContext time in seconds
   * (context.currentTime base). Times in the past play immediately.
   * velocity 0..1 changes loudness and a bit of tone (brighter when harder);
   * velocity 0 is silent.
   */
  playHit(pad: PadId, audioTime: number, velocity: number): void;
  /** metronome click at audioTime; accent=true for beat 1 of the bar (higher pitch) */
  playClick(audioTime: number, accent: boolean): void;
  /** master volume 0..1 (linear gain) */
  setVolume(v: number): void;
  dispose(): void;
}

/** master gain when the engine starts; leaves headroom for stacked hits */
const DEFAULT_VOLUME = 0.8;
/** envelopes decay exponentially to this fraction of their peak, then cut to 0 */
const DECAY_FLOOR = 0.001;
/** 1 ms attack: fast enough to keep the transient, long enough not to click */
const ATTACK_S = 0.001;
/** choked open hi-hat fades out over this time instead of cutting (no click) */
const CHOKE_FADE_S = 0.012;
/** hi-hat events older than this cannot affect choking any more (open hat rings < 1 s) */
const HAT_EVENT_MEMORY_S = 2;
/** length of the shared white-noise buffer; sources start at a random offset */
const NOISE_SECONDS = 2;

/**
 * Frequency ratios of the six square waves in the classic TR-808 metallic
 * voice (cymbal/hat circuit); inharmonic, so the sum reads as "metal".
 */
const METAL_RATIOS = [2, 3, 4.16, 5.43, 6.79, 8.21] as const;

function assertUnit(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${name} must be within [0, 1], got: ${value}`);
  }
}

function isNativeAudioContext(ctx: BaseAudioContext): ctx is AudioContext {
  return typeof AudioContext !== "undefined" && ctx instanceof AudioContext;
}

/** Soft-clip curve: linear up to |x| = 0.7, then a tanh knee towards ±1. */
function softClipCurve(): Float32Array<ArrayBuffer> {
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

/** native contexts already wrapped by Tone.setContext (each wrap starts a Tone ticker) */
const handedToTone = new WeakSet<AudioContext>();

interface OpenHatVoice {
  startTime: number;
  endTime: number;
  chokeGain: GainNode;
  chokedAt: number;
}

export function createAudioEngine(): AudioEngine<AudioContext>;
export function createAudioEngine<C extends BaseAudioContext>(context: C): AudioEngine<C>;
export function createAudioEngine(context?: BaseAudioContext): AudioEngine<BaseAudioContext> {
  const ownsContext = context === undefined;
  const ctx: BaseAudioContext = context ?? new AudioContext({ latencyHint: "interactive" });
  if (isNativeAudioContext(ctx)) {
    // Offline contexts (tests) are deliberately not handed to Tone: that would
    // replace the app's global Tone context with a throwaway one.
    // Remembered instead of asking Tone.getContext(), which would first
    // create (and leak) Tone's own default AudioContext.
    if (!handedToTone.has(ctx)) {
      Tone.setContext(ctx);
      handedToTone.add(ctx);
    }
  }

  // Voices -> master (volume) -> soft clipper -> destination. No
  // DynamicsCompressorNode: Chromium's has a ~6 ms look-ahead delay, which
  // would shift every onset off its scheduled time.
  const master = ctx.createGain();
  master.gain.value = DEFAULT_VOLUME;
  const preClip = ctx.createGain();
  preClip.gain.value = 0.5;
  const shaper = ctx.createWaveShaper();
  shaper.curve = softClipCurve();
  shaper.oversample = "none"; // oversampling adds latency
  master.connect(preClip).connect(shaper).connect(ctx.destination);

  const noiseBuffer = ctx.createBuffer(1, Math.round(NOISE_SECONDS * ctx.sampleRate), ctx.sampleRate);
  {
    const data = noiseBuffer.getChannelData(0);
    for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  }
  const nyquist = ctx.sampleRate / 2;
  const maxCutoff = nyquist * 0.9;

  let disposed = false;
  let openHats: OpenHatVoice[] = [];
  /** start times of recent hi-hat hits (closed and open), for choking */
  let hatEvents: number[] = [];

  // ---- building blocks ---------------------------------------------------

  /** Collects a hit's nodes and disconnects them all when its sound ends. */
  class Hit {
    readonly nodes: AudioNode[] = [];
    readonly out: GainNode;
    private lastSource: AudioScheduledSourceNode | null = null;
    private lastStop = -Infinity;
    constructor(
      readonly startTime: number,
      destination: AudioNode,
    ) {
      this.out = this.node(ctx.createGain());
      this.out.connect(destination);
    }
    node<N extends AudioNode>(n: N): N {
      this.nodes.push(n);
      return n;
    }
    osc(type: OscillatorType, frequency: number, stopTime: number): OscillatorNode {
      const o = this.node(ctx.createOscillator());
      o.type = type;
      o.frequency.setValueAtTime(frequency, this.startTime);
      o.start(this.startTime);
      this.source(o, stopTime);
      return o;
    }
    noise(stopTime: number): AudioBufferSourceNode {
      const s = this.node(ctx.createBufferSource());
      s.buffer = noiseBuffer;
      s.loop = true;
      s.start(this.startTime, Math.random() * (NOISE_SECONDS - 0.1));
      this.source(s, stopTime);
      return s;
    }
    filter(type: BiquadFilterType, frequency: number, q = Math.SQRT1_2): BiquadFilterNode {
      const f = this.node(ctx.createBiquadFilter());
      f.type = type;
      f.frequency.value = Math.min(frequency, maxCutoff);
      f.Q.value = q;
      return f;
    }
    gain(value = 1): GainNode {
      const g = this.node(ctx.createGain());
      g.gain.value = value;
      return g;
    }
    /** A gain with a 1 ms attack to `peak`, exponential decay over `decayS`, then 0. */
    envelope(peak: number, decayS: number, delayS = 0): { gain: GainNode; endTime: number } {
      const g = this.node(ctx.createGain());
      const t0 = this.startTime + delayS;
      const peakTime = t0 + ATTACK_S;
      const floorTime = peakTime + decayS;
      g.gain.setValueAtTime(0, t0);
      g.gain.linearRampToValueAtTime(peak, peakTime);
      g.gain.exponentialRampToValueAtTime(peak * DECAY_FLOOR, floorTime);
      g.gain.linearRampToValueAtTime(0, floorTime + 0.005);
      return { gain: g, endTime: floorTime + 0.01 };
    }
    private source(s: AudioScheduledSourceNode, stopTime: number): void {
      s.stop(stopTime);
      if (stopTime >= this.lastStop) {
        if (this.lastSource) this.lastSource.onended = null;
        this.lastStop = stopTime;
        this.lastSource = s;
        s.onended = () => {
          for (const n of this.nodes) n.disconnect();
        };
      }
    }
  }

  /** A bank of square waves at METAL_RATIOS × fundamental, mixed into `dest`. */
  function metalBank(hit: Hit, fundamentalHz: number, stopTime: number, dest: AudioNode): void {
    const mix = hit.gain(1 / METAL_RATIOS.length);
    mix.connect(dest);
    for (const ratio of METAL_RATIOS) {
      // a little random detune so repeated hits are not bit-identical
      const detune = 1 + (Math.random() - 0.5) * 0.004;
      hit.osc("square", fundamentalHz * ratio * detune, stopTime).connect(mix);
    }
  }

  /** Loudness curve: a bit steeper than linear, like a real drum's response. */
  function amplitude(velocity: number): number {
    return Math.pow(velocity, 1.4);
  }

  // ---- voices ------------------------------------------------------------

  /** Kick / toms: a sine whose pitch drops fast (MembraneSynth-style), plus a beater click. */
  function membrane(
    t: number,
    v: number,
    o: { endHz: number; startRatio: number; pitchDecayS: number; decayS: number; level: number; overtone: number; clickLevel: number },
  ): void {
    const hit = new Hit(t, master);
    const amp = amplitude(v) * o.level;
    const body = hit.envelope(amp, o.decayS);
    body.gain.connect(hit.out);
    // Harder hits start higher: more "knock" in the pitch sweep.
    const startHz = o.endHz * o.startRatio * (0.8 + 0.4 * v);
    const osc = hit.osc("sine", startHz, body.endTime);
    osc.frequency.exponentialRampToValueAtTime(o.endHz, t + o.pitchDecayS);
    osc.connect(body.gain);
    if (o.overtone > 0) {
      // a weaker inharmonic partial (drum head mode ~1.59×) gives toms body
      const over = hit.envelope(amp * o.overtone, o.decayS * 0.5);
      over.gain.connect(hit.out);
      const o2 = hit.osc("sine", startHz * 1.59, over.endTime);
      o2.frequency.exponentialRampToValueAtTime(o.endHz * 1.59, t + o.pitchDecayS);
      o2.connect(over.gain);
    }
    // Beater click: a few ms of low-passed noise, brighter when harder.
    const click = hit.envelope(amp * o.clickLevel, 0.006);
    click.gain.connect(hit.out);
    const lp = hit.filter("lowpass", 1500 + 5000 * v);
    hit.noise(click.endTime).connect(lp).connect(click.gain);
  }

  function kick(t: number, v: number): void {
    membrane(t, v, { endHz: 48, startRatio: 3.2, pitchDecayS: 0.06, decayS: 0.45, level: 0.85, overtone: 0, clickLevel: 0.35 });
  }
  function tomLow(t: number, v: number): void {
    membrane(t, v, { endHz: 92, startRatio: 1.7, pitchDecayS: 0.12, decayS: 0.55, level: 0.7, overtone: 0.25, clickLevel: 0.2 });
  }
  function tomHigh(t: number, v: number): void {
    membrane(t, v, { endHz: 150, startRatio: 1.6, pitchDecayS: 0.1, decayS: 0.42, level: 0.65, overtone: 0.25, clickLevel: 0.2 });
  }

  /** Snare: a short tonal body (two drum-head modes) plus band-limited noise (the wires). */
  function snare(t: number, v: number): void {
    const hit = new Hit(t, master);
    const amp = amplitude(v);
    const body = hit.envelope(amp * 0.45, 0.09);
    body.gain.connect(hit.out);
    const o1 = hit.osc("triangle", 200, body.endTime);
    o1.frequency.exponentialRampToValueAtTime(175, t + 0.04);
    o1.connect(body.gain);
    const o2 = hit.osc("sine", 330, body.endTime);
    o2.frequency.exponentialRampToValueAtTime(290, t + 0.04);
    o2.connect(hit.gain(0.6)).connect(body.gain);

    const wires = hit.envelope(amp * 0.75, 0.14 + 0.06 * v);
    wires.gain.connect(hit.out);
    const hp = hit.filter("highpass", 1200);
    const lp = hit.filter("lowpass", 3500 + 8000 * v);
    hit.noise(wires.endTime).connect(hp).connect(lp).connect(wires.gain);
  }

  /** Shared hi-hat sound: metallic square bank + noise, band-limited high. */
  function hatSound(hit: Hit, v: number, decayS: number, level: number, dest: AudioNode): number {
    const amp = amplitude(v) * level;
    const env = hit.envelope(amp, decayS);
    env.gain.connect(dest);
    const bp = hit.filter("bandpass", 10000, 0.8);
    const hp = hit.filter("highpass", 7000);
    const lp = hit.filter("lowpass", 11000 + 9000 * v); // brighter when harder
    bp.connect(hp).connect(lp).connect(env.gain);
    metalBank(hit, 40, env.endTime, bp);
    const noiseHp = hit.filter("highpass", 8000);
    hit.noise(env.endTime).connect(noiseHp).connect(hit.gain(0.5)).connect(lp);
    return env.endTime;
  }

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

  function hihatClosed(t: number, v: number): void {
    chokeOpenHatsAt(t);
    rememberHatEvent(t);
    const hit = new Hit(t, master);
    hatSound(hit, v, 0.045 + 0.02 * v, 0.9, hit.out);
  }

  function hihatOpen(t: number, v: number): void {
    chokeOpenHatsAt(t);
    const hit = new Hit(t, master);
    const chokeGain = hit.gain(1);
    chokeGain.connect(hit.out);
    const endTime = hatSound(hit, v, 0.45 + 0.2 * v, 0.75, chokeGain);
    const voice: OpenHatVoice = { startTime: t, endTime, chokeGain, chokedAt: Infinity };
    // Hits may be scheduled out of order: a hat hit already planned after
    // this one chokes it too.
    const later = hatEvents.filter((e) => e > t);
    if (later.length > 0) choke(voice, Math.min(...later));
    rememberHatEvent(t);
    openHats.push(voice);
  }

  /** Crash: a long, bright wash of metal and noise. */
  function crash(t: number, v: number): void {
    const hit = new Hit(t, master);
    const amp = amplitude(v) * 0.6;
    const decayS = 1.6 + 0.8 * v;
    const env = hit.envelope(amp, decayS);
    env.gain.connect(hit.out);
    const lp = hit.filter("lowpass", 9000 + 11000 * v);
    lp.connect(env.gain);
    const metalHp = hit.filter("highpass", 4000);
    metalHp.connect(hit.gain(1.2)).connect(lp);
    metalBank(hit, 67, env.endTime, metalHp);
    const noiseHp = hit.filter("highpass", 3000);
    hit.noise(env.endTime).connect(noiseHp).connect(hit.gain(0.5)).connect(lp);
    // initial "splash": a louder, shorter burst on top of the wash
    const splash = hit.envelope(amp * 0.6, 0.12);
    splash.gain.connect(hit.out);
    const splashHp = hit.filter("highpass", 5000);
    hit.noise(splash.endTime).connect(splashHp).connect(splash.gain);
  }

  /** Ride: a metallic ping (inharmonic sine partials) over a soft sustaining shimmer. */
  function ride(t: number, v: number): void {
    const hit = new Hit(t, master);
    const amp = amplitude(v) * 0.7;
    // ping: partials of a struck plate, short
    const ping = hit.envelope(amp * 0.5, 0.25);
    ping.gain.connect(hit.out);
    const partials: [number, number][] = [
      [2490, 1],
      [3510, 0.6],
      [5180, 0.35 + 0.3 * v], // brighter when harder
    ];
    for (const [hz, level] of partials) {
      hit.osc("sine", hz, ping.endTime).connect(hit.gain(level / partials.length)).connect(ping.gain);
    }
    // shimmer: metal bank band-passed around 6 kHz, long sustain
    const shimmer = hit.envelope(amp, 1.3 + 0.4 * v);
    shimmer.gain.connect(hit.out);
    const bp = hit.filter("bandpass", 6000, 0.7);
    const lp = hit.filter("lowpass", 5000 + 11000 * v); // brighter when harder
    bp.connect(lp).connect(shimmer.gain);
    metalBank(hit, 120, shimmer.endTime, bp);
  }

  const voices: Record<PadId, (t: number, v: number) => void> = {
    kick,
    snare,
    hihatClosed,
    hihatOpen,
    tomLow,
    tomHigh,
    crash,
    ride,
  };

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

    playHit(pad: PadId, audioTime: number, velocity: number): void {
      assertUnit("velocity", velocity);
      const voice = voices[pad];
      if (!voice) throw new RangeError(`Unknown pad: ${String(pad)}`);
      const t = startTime(audioTime);
      if (!usable() || velocity === 0) return;
      voice(t, velocity);
    },

    playClick(audioTime: number, accent: boolean): void {
      const t = startTime(audioTime);
      if (!usable()) return;
      const hit = new Hit(t, master);
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

    dispose(): void {
      if (disposed) return;
      disposed = true;
      openHats = [];
      hatEvents = [];
      shaper.disconnect();
      preClip.disconnect();
      master.disconnect();
      if (ownsContext && isNativeAudioContext(ctx) && ctx.state !== "closed") {
        void ctx.close();
      }
    },
  };
}
