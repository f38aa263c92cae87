/**
 * Building blocks shared by the synthesized kits: a per-hit node collector
 * (`HitSound`) and small helpers. Every hit gets fresh native nodes that start at
 * exactly its time, so voices are polyphonic and never trip Web Audio's
 * start-time rules (see engine.ts).
 */
import type { PadId } from "../../../../core/kit";

/** envelopes decay exponentially to this fraction of their peak, then cut to 0 */
export const DECAY_FLOOR = 0.001;
/** 1 ms attack: fast enough to keep the transient, long enough not to click */
export const ATTACK_S = 0.001;
/** length of the shared white-noise buffer; sources start at a random offset */
export const NOISE_SECONDS = 2;

/** What every hit of one engine shares. */
export interface SynthResources {
  readonly ctx: BaseAudioContext;
  /** white noise, NOISE_SECONDS long, looped by the hits that use it */
  readonly noiseBuffer: AudioBuffer;
}

/** Collects a hit's nodes and disconnects them all when its sound ends. */
export class HitSound {
  readonly nodes: AudioNode[] = [];
  readonly out: GainNode;
  readonly ctx: BaseAudioContext;
  private readonly maxCutoffHz: number;
  private lastSource: AudioScheduledSourceNode | null = null;
  private lastStop = -Infinity;

  constructor(
    private readonly resources: SynthResources,
    /** AudioContext time of the hit's onset, seconds */
    readonly startTime: number,
    destination: AudioNode,
  ) {
    this.ctx = resources.ctx;
    this.maxCutoffHz = (this.ctx.sampleRate / 2) * 0.9;
    this.out = this.node(this.ctx.createGain());
    this.out.connect(destination);
  }

  /** when the last source of this hit stops (seconds); -Infinity before any source */
  get endTime(): number {
    return this.lastStop;
  }

  node<N extends AudioNode>(n: N): N {
    this.nodes.push(n);
    return n;
  }

  osc(type: OscillatorType, frequencyHz: number, stopTime: number): OscillatorNode {
    const o = this.node(this.ctx.createOscillator());
    o.type = type;
    o.frequency.setValueAtTime(frequencyHz, this.startTime);
    o.start(this.startTime);
    this.source(o, stopTime);
    return o;
  }

  noise(stopTime: number): AudioBufferSourceNode {
    const s = this.node(this.ctx.createBufferSource());
    s.buffer = this.resources.noiseBuffer;
    s.loop = true;
    s.start(this.startTime, Math.random() * (NOISE_SECONDS - 0.1));
    this.source(s, stopTime);
    return s;
  }

  filter(type: BiquadFilterType, frequencyHz: number, q = Math.SQRT1_2): BiquadFilterNode {
    const f = this.node(this.ctx.createBiquadFilter());
    f.type = type;
    f.frequency.value = Math.min(frequencyHz, this.maxCutoffHz);
    f.Q.value = q;
    return f;
  }

  gain(value = 1): GainNode {
    const g = this.node(this.ctx.createGain());
    g.gain.value = value;
    return g;
  }

  /** A waveshaper with a shared curve; no oversampling (it would add latency). */
  shaper(curve: Float32Array<ArrayBuffer>): WaveShaperNode {
    const s = this.node(this.ctx.createWaveShaper());
    s.curve = curve;
    s.oversample = "none";
    return s;
  }

  /** A gain with a 1 ms attack to `peak`, exponential decay over `decayS`, then 0. */
  envelope(peak: number, decayS: number, delayS = 0): { gain: GainNode; endTime: number } {
    const g = this.node(this.ctx.createGain());
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

/** One pad's sound: builds the hit's nodes into `hit.out`, starting at `hit.startTime`. velocity is in (0, 1]. */
export type Voice = (hit: HitSound, velocity: number) => void;

/** A kit: one voice per pad. Choking and scheduling are the engine's job. */
export type KitVoices = Readonly<Record<PadId, Voice>>;

/** Loudness curve: a bit steeper than linear, like a real drum's response. */
export function amplitude(velocity: number): number {
  return Math.pow(velocity, 1.4);
}

/** A bank of square waves at `frequenciesHz`, mixed (equal level) into `dest`. */
export function squareBank(hit: HitSound, frequenciesHz: readonly number[], stopTime: number, dest: AudioNode): void {
  const mix = hit.gain(1 / frequenciesHz.length);
  mix.connect(dest);
  for (const hz of frequenciesHz) {
    // a little random detune so repeated hits are not bit-identical
    const detune = 1 + (Math.random() - 0.5) * 0.004;
    hit.osc("square", hz * detune, stopTime).connect(mix);
  }
}

/** Input range the tanh curve covers; feed it signal / TANH_RANGE. */
export const TANH_RANGE = 4;

/** y = tanh(TANH_RANGE · x) for x in [-1, 1]: a saturation curve for drive up to TANH_RANGE. */
export const tanhCurve: Float32Array<ArrayBuffer> = (() => {
  const n = 2049; // odd: the middle point is exactly 0, so silence stays silent
  const curve = new Float32Array(n);
  for (let i = 0; i < n; i++) curve[i] = Math.tanh(((i / (n - 1)) * 2 - 1) * TANH_RANGE);
  return curve;
})();
