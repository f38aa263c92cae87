/**
 * An audio tap for real browsers: hears what reaches the speaker and finds
 * every drum onset in it to the sample, from OUTSIDE the app (no production
 * code is involved, and the production CSP stays as it is).
 *
 * How (see /work/shared/notes/measuring-sound.md):
 * - `installAudioTap` runs as a Playwright init script (`context.addInitScript`),
 *   before any page script: it wraps `AudioNode.prototype.connect` and
 *   remembers every node connected to a context's `destination` (the app's
 *   engine connects its soft clipper there: app/lib/audio/engine.ts).
 * - On demand (`__audioTap.start()`), it adds an AudioWorklet module from a
 *   blob: URL — the app's CSP refuses blob: scripts, so the context that uses
 *   the tap needs Playwright's `bypassCSP: true` — and connects the remembered
 *   nodes ALSO into an onset detector (`OnsetDetector` below, the same code in
 *   the worklet and in Node). The detector reports each onset's context frame
 *   (the quantum's frame + i, counted by the worklet itself: see the stale
 *   `currentFrame` note in process()): the sample's context time, the same
 *   time base as `getOutputTimestamp().contextTime`, i.e. when that sample is
 *   at the speaker. Everything connected to a destination is heard, from every
 *   context that has something connected (a person hears them all).
 * - It samples `getOutputTimestamp()` pairs every `clockEveryMs`; Node fits
 *   lines contextTime → performanceTime through them (bench/audible.ts) and
 *   maps each onset to epoch ms = `performance.timeOrigin` + the line.
 *
 * Everything that runs in the page is serialised by Playwright (`fn.toString()`),
 * so these functions and the detector class must be self-contained: no imports,
 * no class fields (a transpiler could turn them into helper calls), no closures
 * over module scope.
 */
import { z } from "zod";

// ---------- the detector (runs in the AudioWorkletGlobalScope, and in Node for tests) ----------

export interface OnsetDetectorOptions {
  /** fast envelope time constant (ms): follows the attack */
  fastMs: number;
  /** slow envelope time constant (ms): the level before the onset */
  slowMs: number;
  /** very fast envelope (ms) used only to place the onset once found */
  refineMs: number;
  /** an onset when, on |x|, fast > ratioRaw × slow and fast > floorRaw ... */
  ratioRaw: number;
  floorRaw: number;
  /** ... or, on |x[n] − x[n−1]|, fast > ratioDiff × slow and fast > floorDiff */
  ratioDiff: number;
  floorDiff: number;
  /** one onset per hit: none within this long after the previous one (ms) */
  refractoryMs: number;
  /** the level before the hit is the refine envelope's maximum over [trigger − lookbackMs, trigger − guardMs] */
  lookbackMs: number;
  /** longer than the ratio test can lag behind the onset (≤ 1.3 ms on the kits) */
  guardMs: number;
  /** the hit's own level is the refine envelope's maximum over [trigger, trigger + postMs] */
  postMs: number;
  /**
   * The onset is the first frame of the rise: walking back from the hit's
   * peak, the last frame above max(margin × level before, frac × the hit's level).
   */
  margin: number;
  frac: number;
}

/**
 * Tuned on the app's kits rendered offline (e2e/audio-tap.spec.ts; numbers in
 * docs/benchmarks/timing-e2e.md): 0.5 ms / 30 ms envelopes and a 40 ms
 * refractory as in measuring-sound.md. Two channels: |x| finds a kick over a
 * snare's hiss; the first difference finds a hat or snare over a kick's
 * ringing body (its low frequencies vanish there), and |x|'s ratio of 4 keeps
 * a kick's tail (|x| ripples ~1.6× around its mean) from triggering.
 */
export const DEFAULT_DETECTOR: OnsetDetectorOptions = {
  fastMs: 0.5,
  slowMs: 30,
  refineMs: 0.1,
  ratioRaw: 4,
  floorRaw: 0.01,
  ratioDiff: 2.5,
  floorDiff: 0.002,
  refractoryMs: 40,
  lookbackMs: 6,
  guardMs: 2,
  postMs: 1,
  margin: 1.2,
  frac: 0.05,
};

export interface DetectedOnset {
  /** context frame of the onset (sample-accurate) */
  frame: number;
  /** frame at which the ratio test fired (frame ≤ triggerFrame + postMs) */
  triggerFrame: number;
  /** 0: found on |x|, 1: on the first difference */
  channel: number;
  /** fast/slow at the trigger: how clearly it stood out */
  ratio: number;
  /** the hit's level (refine envelope peak) */
  level: number;
}

/**
 * Onset detector: fast and slow one-pole envelopes of |x| and of the first
 * difference |x[n] − x[n−1]|, a ratio threshold on either, a refractory
 * period, and a refinement back to where the rise began (reported postMs after
 * the trigger, once the hit's level is known).
 */
export class OnsetDetector {
  constructor(options: OnsetDetectorOptions, sampleRateHz: number) {
    const frames = (ms: number) => (ms / 1000) * sampleRateHz;
    this.o = options;
    this.aFast = 1 - Math.exp(-1 / frames(options.fastMs));
    this.aSlow = 1 - Math.exp(-1 / frames(options.slowMs));
    this.aRefine = 1 - Math.exp(-1 / frames(options.refineMs));
    this.refractoryFrames = Math.round(frames(options.refractoryMs));
    this.lookbackFrames = Math.round(frames(options.lookbackMs));
    this.guardFrames = Math.round(frames(options.guardMs));
    this.postFrames = Math.round(frames(options.postMs));
    this.size = this.lookbackFrames + this.postFrames + 1;
    this.hist = [new Float64Array(this.size), new Float64Array(this.size)];
    this.fast = [0, 0];
    this.slow = [0, 0];
    this.refine = [0, 0];
    this.prev = 0;
    this.lastTrigger = -1e15;
    this.seen = 0;
    this.pending = null;
  }

  declare private o: OnsetDetectorOptions;
  declare private aFast: number;
  declare private aSlow: number;
  declare private aRefine: number;
  declare private refractoryFrames: number;
  declare private lookbackFrames: number;
  declare private guardFrames: number;
  declare private postFrames: number;
  declare private size: number;
  /** ring buffers of the refine envelope, per channel, indexed by frame % size */
  declare private hist: [Float64Array, Float64Array];
  declare private fast: [number, number];
  declare private slow: [number, number];
  declare private refine: [number, number];
  declare private prev: number;
  declare private lastTrigger: number;
  /** frames processed so far (the history is short at the very start) */
  declare private seen: number;
  declare private pending: { trigger: number; channel: number; ratio: number; seen: number } | null;

  /**
   * Feeds consecutive samples; `startFrame` is the context frame of
   * samples[0]. Pushes each onset found into `out`.
   */
  process(samples: ArrayLike<number>, startFrame: number, out: DetectedOnset[]): void {
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      const u0 = Math.abs(x);
      const u1 = Math.abs(x - this.prev);
      this.prev = x;
      const frame = startFrame + i;
      const slot = frame % this.size;
      this.seen++;
      let fired = -1;
      let ratio = 0;
      for (let c = 0; c < 2; c++) {
        const u = c === 0 ? u0 : u1;
        const slowBefore = this.slow[c]!;
        this.fast[c] = this.fast[c]! + this.aFast * (u - this.fast[c]!);
        this.slow[c] = slowBefore + this.aSlow * (u - slowBefore);
        this.refine[c] = this.refine[c]! + this.aRefine * (u - this.refine[c]!);
        this.hist[c]![slot] = this.refine[c]!;
        const f = this.fast[c]!;
        const passes = c === 0 ? f > this.o.floorRaw && f > this.o.ratioRaw * slowBefore : f > this.o.floorDiff && f > this.o.ratioDiff * slowBefore;
        if (fired < 0 && passes) {
          fired = c;
          ratio = slowBefore > 0 ? Math.min(1e6, f / slowBefore) : 1e6;
        }
      }
      const p = this.pending;
      if (p && frame >= p.trigger + this.postFrames) {
        this.pending = null;
        out.push(this.place(p));
      }
      if (fired < 0 || frame - this.lastTrigger < this.refractoryFrames) continue;
      this.lastTrigger = frame;
      this.pending = { trigger: frame, channel: fired, ratio, seen: this.seen };
    }
  }

  private place(p: { trigger: number; channel: number; ratio: number; seen: number }): DetectedOnset {
    const h = this.hist[p.channel]!;
    const size = this.size;
    const at = (f: number) => h[((f % size) + size) % size]!;
    const t = p.trigger;
    const look = Math.min(this.lookbackFrames, p.seen - 1);
    const guard = Math.min(this.guardFrames, look);
    let before = 0;
    for (let f = t - look; f <= t - guard; f++) before = Math.max(before, at(f));
    let peak = 0;
    let peakAt = t;
    for (let f = t; f <= t + this.postFrames; f++) {
      if (at(f) > peak) {
        peak = at(f);
        peakAt = f;
      }
    }
    const threshold = Math.max(this.o.margin * before, this.o.frac * peak);
    let k = peakAt;
    while (k > t - guard && at(k - 1) > threshold) k--;
    return { frame: k, triggerFrame: t, channel: p.channel, ratio: p.ratio, level: peak };
  }
}

/**
 * The AudioWorklet module: the detector above plus a processor that feeds it
 * the louder channel of each sample and posts onsets to the main thread.
 * Built from the class's own source, so the worklet runs exactly what the
 * tests run in Node.
 */
export function onsetWorkletSource(): string {
  return `${OnsetDetector.toString()}
class BackbeatOnsetTap extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.detector = new OnsetDetector(options.processorOptions.detector, sampleRate);
    this.mono = new Float32Array(128);
    this.found = [];
    this.frames = 0;
    // currentFrame not where the count is: behind (a stale label) or ahead (quanta never processed)
    this.gaps = [];
    this.gapCount = 0;
    this.staleCount = 0;
    // optional: the waveform around each onset, for a closer look
    this.snippetFrames = Math.round(((options.processorOptions.snippetMs || 0) / 1000) * sampleRate);
    this.ring = new Float32Array(Math.max(1, 4 * this.snippetFrames));
    this.pendingSnippets = [];
    this.port.onmessage = (ev) => {
      if (ev.data && ev.data.type === "flush") this.port.postMessage({ type: "flushed", id: ev.data.id, frames: this.frames, gaps: this.gaps, gapCount: this.gapCount, staleCount: this.staleCount });
    };
  }
  process(inputs) {
    const input = inputs[0];
    const n = input && input.length ? input[0].length : 128;
    // Chromium (156, busy 2-core machine) now and then hands process() the PREVIOUS quantum's
    // currentFrame (−128, then +128 on the next call): the samples are contiguous, only the label
    // is stale, and an onset in that quantum would come out 2.9 ms early. So frames are counted on
    // from the first call; a currentFrame AHEAD of the count is a real skip and is followed.
    const frame = this.frames === 0 ? currentFrame : Math.max(currentFrame, this.frames);
    if (this.frames !== 0 && currentFrame !== this.frames) {
      if (currentFrame < this.frames) this.staleCount++;
      else this.gapCount++;
      if (this.gaps.length < 50) this.gaps.push([this.frames, currentFrame]);
    }
    if (this.mono.length !== n) this.mono = new Float32Array(n);
    this.mono.fill(0);
    if (input) for (const ch of input) for (let i = 0; i < n; i++) if (Math.abs(ch[i]) > Math.abs(this.mono[i])) this.mono[i] = ch[i];
    this.found.length = 0;
    this.detector.process(this.mono, frame, this.found);
    this.frames = frame + n;
    if (this.snippetFrames > 0) {
      const size = this.ring.length;
      for (let i = 0; i < n; i++) this.ring[(frame + i) % size] = this.mono[i];
      for (const o of this.found) this.pendingSnippets.push(o.frame);
      const ready = this.pendingSnippets.filter((f) => f + this.snippetFrames <= this.frames);
      this.pendingSnippets = this.pendingSnippets.filter((f) => f + this.snippetFrames > this.frames);
      for (const f of ready) {
        const from = f - this.snippetFrames;
        const samples = [];
        for (let k = from; k < f + this.snippetFrames; k++) samples.push(this.ring[((k % size) + size) % size]);
        this.port.postMessage({ type: "snippet", frame: f, from, samples });
      }
    }
    if (this.found.length) this.port.postMessage({ type: "onsets", onsets: this.found.slice() });
    return true;
  }
}
registerProcessor("backbeat-onset-tap", BackbeatOnsetTap);
`;
}

// ---------- the init script ----------

export interface AudioTapInitArgs {
  /** onsetWorkletSource() */
  workletSource: string;
  detector: OnsetDetectorOptions;
  /** getOutputTimestamp() is sampled this often once started (ms) */
  clockEveryMs: number;
  /** keep the waveform ± this long around each onset (0: none) */
  snippetMs?: number;
}

/** What the tap heard from one context (the speaker plays every context of the page). */
export interface TapContextCapture {
  sampleRate: number;
  onsets: DetectedOnset[];
  /** getOutputTimestamp() pairs, plus currentTime at the same moment (output path = currentTime − contextTime); none for offline contexts */
  clock: { contextTime: number; performanceTime: number; currentTime: number }[];
  baseLatency: number;
  outputLatency: number;
  /** frames the worklet had processed at the last flush (a stalled tap shows here) */
  framesSeen: number;
  /** constructor names of the nodes connected to its destination (the app's engine: a WaveShaperNode) */
  tapped: string[];
  /** process() calls whose currentFrame was behind the frame count (a stale label; counted on instead) */
  staleCount: number;
  /** process() calls whose currentFrame jumped ahead (quanta never processed); the first [counted, currentFrame] pairs of both kinds */
  gapCount: number;
  gaps: [number, number][];
  /** with snippetMs: the louder channel ± snippetMs around each onset */
  snippets: { frame: number; from: number; samples: number[] }[];
}

/** What `__audioTap.read()` returns (validated in Node with `tapCaptureSchema`). */
export interface TapCapture {
  timeOrigin: number;
  contexts: TapContextCapture[];
}

export interface AudioTapApi {
  /** taps every running AudioContext that has something connected to its destination; resolves once listening */
  start(): Promise<{ contexts: { sampleRate: number; tapped: string[] }[] }>;
  /** taps one given context (e.g. an OfflineAudioContext in a test); no clock sampling */
  attach(ctx: BaseAudioContext): Promise<void>;
  /** waits until every onset the worklets found so far has reached the page */
  flush(): Promise<void>;
  /** onsets and clock pairs so far (plain JSON) */
  read(): TapCapture;
}

/**
 * The page side, installed with `context.addInitScript(installAudioTap, args)`.
 * Only remembers connections until `start()`/`attach()`; then listens.
 */
export function installAudioTap(args: AudioTapInitArgs): void {
  const w = window as unknown as { __audioTap?: AudioTapApi };
  if (w.__audioTap) return;
  interface Tap {
    ctx: BaseAudioContext;
    node: AudioWorkletNode;
    onsets: DetectedOnset[];
    clock: TapContextCapture["clock"];
    framesSeen: number;
    gapCount: number;
    staleCount: number;
    gaps: [number, number][];
    snippets: TapContextCapture["snippets"];
  }
  /** per context: the nodes connected to its destination */
  const outputs = new Map<BaseAudioContext, Set<AudioNode>>();
  const taps = new Map<BaseAudioContext, Tap>();
  const tapNodes = new Set<AudioNode>();
  let flushId = 0;
  const flushWaiters = new Map<number, () => void>();
  const original = AudioNode.prototype.connect as (this: AudioNode, ...a: unknown[]) => unknown;
  const connect = function (this: AudioNode, ...a: unknown[]): unknown {
    const result = original.apply(this, a);
    const dest = a[0];
    if (typeof AudioDestinationNode !== "undefined" && dest instanceof AudioDestinationNode && !tapNodes.has(this)) {
      let set = outputs.get(this.context);
      if (!set) outputs.set(this.context, (set = new Set()));
      set.add(this);
      // connected after the tap started: listen to it too
      const tap = taps.get(this.context);
      if (tap) original.call(this, tap.node);
    }
    return result;
  };
  AudioNode.prototype.connect = connect as typeof AudioNode.prototype.connect;

  async function attach(ctx: BaseAudioContext): Promise<Tap> {
    if (taps.has(ctx)) throw new Error("the audio tap already listens to this context");
    const url = URL.createObjectURL(new Blob([args.workletSource], { type: "text/javascript" }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const node = new AudioWorkletNode(ctx, "backbeat-onset-tap", {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: "explicit",
      processorOptions: { detector: args.detector, snippetMs: args.snippetMs ?? 0 },
    });
    tapNodes.add(node);
    const tap: Tap = { ctx, node, onsets: [], clock: [], framesSeen: 0, gapCount: 0, staleCount: 0, gaps: [], snippets: [] };
    node.port.onmessage = (ev: MessageEvent) => {
      const d = ev.data as {
        type: string;
        onsets?: DetectedOnset[];
        id?: number;
        frames?: number;
        gaps?: [number, number][];
        gapCount?: number;
        staleCount?: number;
        frame?: number;
        from?: number;
        samples?: number[];
      };
      if (d.type === "onsets" && d.onsets) tap.onsets.push(...d.onsets);
      if (d.type === "snippet") tap.snippets.push({ frame: d.frame ?? 0, from: d.from ?? 0, samples: d.samples ?? [] });
      if (d.type === "flushed") {
        tap.framesSeen = d.frames ?? tap.framesSeen;
        tap.gaps = d.gaps ?? tap.gaps;
        tap.gapCount = d.gapCount ?? tap.gapCount;
        tap.staleCount = d.staleCount ?? tap.staleCount;
        flushWaiters.get(d.id ?? -1)?.();
        flushWaiters.delete(d.id ?? -1);
      }
    };
    taps.set(ctx, tap);
    for (const n of outputs.get(ctx) ?? []) original.call(n, node);
    return tap;
  }

  w.__audioTap = {
    async attach(ctx) {
      await attach(ctx);
    },
    async start() {
      const live = [...outputs.keys()].filter(
        (c): c is AudioContext => typeof AudioContext !== "undefined" && c instanceof AudioContext && c.state !== "closed" && !taps.has(c),
      );
      if (live.length === 0) throw new Error("no AudioContext has anything connected to its destination yet");
      for (const ctx of live) {
        const tap = await attach(ctx);
        const sample = () => {
          const ts = ctx.getOutputTimestamp();
          if (ts.contextTime !== undefined && ts.performanceTime !== undefined && ts.performanceTime > 0) {
            tap.clock.push({ contextTime: ts.contextTime, performanceTime: ts.performanceTime, currentTime: ctx.currentTime });
          }
        };
        sample();
        setInterval(sample, args.clockEveryMs);
      }
      return { contexts: live.map((c) => ({ sampleRate: c.sampleRate, tapped: [...(outputs.get(c) ?? [])].map((n) => n.constructor.name) })) };
    },
    async flush() {
      await Promise.all(
        [...taps.values()].map(
          (tap) =>
            new Promise<void>((resolve) => {
              const id = ++flushId;
              flushWaiters.set(id, resolve);
              tap.node.port.postMessage({ type: "flush", id });
            }),
        ),
      );
    },
    read() {
      return {
        timeOrigin: performance.timeOrigin,
        contexts: [...taps.values()].map((tap) => {
          const live = typeof AudioContext !== "undefined" && tap.ctx instanceof AudioContext ? tap.ctx : null;
          return {
            sampleRate: tap.ctx.sampleRate,
            onsets: tap.onsets.slice(),
            clock: tap.clock.slice(),
            baseLatency: live?.baseLatency ?? 0,
            outputLatency: live?.outputLatency ?? 0,
            framesSeen: tap.framesSeen,
            tapped: [...(outputs.get(tap.ctx) ?? [])].map((n) => n.constructor.name),
            gapCount: tap.gapCount,
            staleCount: tap.staleCount,
            gaps: tap.gaps,
            snippets: tap.snippets,
          };
        }),
      };
    },
  };
}

// ---------- Node side ----------

const contextCaptureSchema = z.object({
  sampleRate: z.number().positive(),
  onsets: z.array(z.object({ frame: z.number(), triggerFrame: z.number(), channel: z.number(), ratio: z.number(), level: z.number() })),
  clock: z.array(z.object({ contextTime: z.number(), performanceTime: z.number(), currentTime: z.number() })),
  baseLatency: z.number(),
  outputLatency: z.number(),
  framesSeen: z.number(),
  tapped: z.array(z.string()),
  gapCount: z.number(),
  staleCount: z.number(),
  gaps: z.array(z.tuple([z.number(), z.number()])),
  snippets: z.array(z.object({ frame: z.number(), from: z.number(), samples: z.array(z.number()) })),
});

export const tapCaptureSchema = z.object({ timeOrigin: z.number(), contexts: z.array(contextCaptureSchema) });

/** The init-script argument with the default detector. */
export function audioTapArgs(options: { detector?: OnsetDetectorOptions; clockEveryMs?: number; snippetMs?: number } = {}): AudioTapInitArgs {
  return { workletSource: onsetWorkletSource(), detector: options.detector ?? DEFAULT_DETECTOR, clockEveryMs: options.clockEveryMs ?? 20, snippetMs: options.snippetMs ?? 0 };
}
