/**
 * Offline WAV export of a replay: the same synthesized kit (createAudioEngine)
 * rendered by OfflineAudioContexts as fast as the machine allows.
 *
 * - Hits are handed to the engine a quarter second at a time from `suspend()`
 *   checkpoints rather than all up front: Chromium processes every connected
 *   node on every render quantum, started or not, so scheduling a minute of
 *   hits at once renders ~100× slower than keeping only the sounding voices
 *   alive. The checkpoints also drive the progress bar.
 * - By default the hits play pre-rendered voices (./audio/voice-cache.ts:
 *   every (pad, velocity layer) rendered once by the same kit code, then one
 *   buffer source + gain per hit instead of the hit's synthesized graph) —
 *   several times faster. `voices: "synth"` renders every hit's graph, as
 *   live play does.
 * - The range is cut into segments rendered in parallel (each offline context
 *   renders on its own thread), each with a ring-out tail that is mixed into
 *   the next segment's start. Cuts are placed where no open hi-hat is ringing,
 *   so hi-hat choking (which needs the next hat hit in the same engine) is
 *   unaffected; the export chain is linear, so nothing else crosses a cut.
 * - Stereo, through the engine's export chain (./audio/engine.ts
 *   createOutputChain): pads placed left to right, a fixed gain and no soft
 *   clipper; ./export-audio.ts then keeps every file at or below −1 dBFS.
 * - Stems (renderStems): one render per player, all of the same range (same
 *   start, same length), zipped; they add up to the mix.
 */
import { PAD_IDS, type PadId } from "../../core/kit";
import type { RecordingJson } from "../../core/http-api";
import { lowerBound, scheduleUntil, selectPlayable, startCursor, type Playable, type ReplayEvents, type ReplayPlayer, type Transport } from "../../core/replay";
import type { AudioEngine } from "./audio/engine";
import type { VoiceBank } from "./audio/voice-cache";
import { finishMix, finishStems } from "./export-audio";

export const WAV_SAMPLE_RATE = 44_100;
/** ring-out after the range, so the last cymbal is not cut off */
export const WAV_TAIL_S = 1.5;
/** longest export at once (memory: ~8 bytes per frame of stereo while rendering) */
export const WAV_MAX_S = 20 * 60;
/** stems: longest total (players × range) at once; every stem is kept until all are rendered (for the common headroom) */
export const STEMS_MAX_S = 40 * 60;
/** exports are stereo: pads placed left to right */
export const WAV_CHANNELS = 2;
/** the longest voice (crash) rings ~2.4 s: a segment renders this much past its end */
const SEGMENT_TAIL_S = 2.6;
/** segments shorter than this are not worth a context of their own */
const MIN_SEGMENT_S = 8;
/** hits handed over per checkpoint: synthesized graphs are heavy, buffer voices light (fewer main-thread round trips) */
const CHUNK_S = { synth: 0.25, sampled: 0.5 } as const;
/** hits are handed to the engine at least this long before they sound */
const MARGIN_S = 0.05;
/** progress weight of pre-rendering one voice (layer × variant), in seconds of export (measured: similar cost) */
const VOICE_RENDER_S = 1;
/** an open hi-hat rings at most this long (engine: 0.45 + 0.2 s decay) */
const OPEN_HAT_RING_MS = 700;

/** how hits are rendered: pre-rendered voices (default, fast) or each hit's synthesized graph */
export type WavVoices = "sampled" | "synth";

export interface WavRenderResult {
  wav: ArrayBuffer;
  /** the file's peak (≤ −1 dBFS) and the factor applied to get there (1: the export gain sufficed) */
  peakDbfs: number;
  scale: number;
  renderedSec: number;
  /** offline rendering only (all segments, wall clock) */
  renderWallMs: number;
  /** rendering + mixing + encoding */
  totalWallMs: number;
  hits: number;
  segments: number;
  voices: WavVoices;
}

const OPEN_HAT = PAD_IDS.indexOf("hihatOpen");
const CLOSED_HAT = PAD_IDS.indexOf("hihatClosed");

/**
 * A cut near `idealMs` where no open hi-hat of the playable events is still
 * ringing unchoked: the last hat event before the cut is a closed hat (which
 * chokes everything before it) or is older than an open hat rings.
 */
export function safeCutMs(events: ReplayEvents, playable: Playable, idealMs: number, searchMs = 4000): number {
  const times = playable.atMs;
  const ok = (cut: number): boolean => {
    for (let j = lowerBound(times, cut) - 1; j >= 0; j--) {
      const t = times[j]!;
      if (t < cut - OPEN_HAT_RING_MS) return true;
      const lane = events.lane[playable.index[j]!]!;
      if (lane === CLOSED_HAT) return true;
      if (lane === OPEN_HAT) return false;
    }
    return true;
  };
  if (ok(idealMs)) return idealMs;
  // just after a hat hit is a candidate; so is the end of a gap of OPEN_HAT_RING_MS
  const lo = lowerBound(times, idealMs - searchMs);
  const hi = lowerBound(times, idealMs + searchMs);
  let best = idealMs;
  let bestDist = Infinity;
  for (let j = lo; j < hi; j++) {
    for (const cut of [times[j]! + 0.5, times[j]! + OPEN_HAT_RING_MS + 1]) {
      const d = Math.abs(cut - idealMs);
      if (d < bestDist && ok(cut)) {
        best = cut;
        bestDist = d;
      }
    }
  }
  return best;
}

async function renderSegment(o: {
  rec: RecordingJson;
  events: ReplayEvents;
  playable: Playable;
  /** hits with fromMs ≤ atMs < toMs; audio time 0 = offsetFrames of the whole */
  fromMs: number;
  toMs: number;
  offsetFrames: number;
  wholeFromMs: number;
  lengthFrames: number;
  onProgress: (renderedS: number) => void;
  signal?: AbortSignal;
  /** pre-rendered voices, or null: synthesize every hit */
  bank: VoiceBank | null;
}): Promise<{ buffer: AudioBuffer; hits: number }> {
  const ctx = new OfflineAudioContext({ numberOfChannels: WAV_CHANNELS, length: o.lengthFrames, sampleRate: WAV_SAMPLE_RATE });
  const engine: Pick<AudioEngine<OfflineAudioContext>, "playHit" | "dispose"> = o.bank
    ? (await import("./audio/voice-cache")).createSampledKit(ctx, o.bank, { output: "export" })
    : (await import("./audio/engine")).createAudioEngine(ctx, { output: "export" });
  const chunkS = CHUNK_S[o.bank ? "sampled" : "synth"];
  // position wholeFromMs + offsetFrames/rate sounds at audio time 0 (whole frames: the same samples as one render)
  const originPosMs = o.wholeFromMs + (o.offsetFrames / WAV_SAMPLE_RATE) * 1000;
  const transport: Transport = { originAudioS: 0, originPosMs, speed: 1, loop: null, durationMs: o.toMs };
  const cursor = startCursor({ ...transport, originPosMs: o.fromMs }, o.playable);
  let hits = 0;
  const feed = (untilS: number) => {
    for (const d of scheduleUntil(transport, o.playable, cursor, untilS)) {
      if (d.atMs >= o.toMs) {
        cursor.next = o.playable.atMs.length;
        break;
      }
      const hit = o.rec.hits[o.events.hit[d.event]!]!;
      engine.playHit(hit.pad, Math.max(0, d.audioTime), hit.velocity);
      hits++;
    }
  };
  const lengthS = o.lengthFrames / WAV_SAMPLE_RATE;
  const quantum = 128 / WAV_SAMPLE_RATE;
  let at = chunkS;
  const arm = () => {
    if (at >= lengthS - quantum) return;
    const t = at;
    at += chunkS;
    void ctx.suspend(t).then(() => {
      if (!o.signal?.aborted) feed(t + chunkS + MARGIN_S);
      o.onProgress(t);
      arm();
      void ctx.resume();
    });
  };
  feed(chunkS + MARGIN_S);
  arm();
  const buffer = await ctx.startRendering();
  engine.dispose();
  o.onProgress(lengthS);
  return { buffer, hits };
}

interface RenderOptions {
  rec: RecordingJson;
  events: ReplayEvents;
  /** positions (ms from the recording start) of the range: hits with fromMs ≤ atMs < toMs */
  fromMs: number;
  toMs: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** parallel segments (default: the CPU count, 2–4) */
  parallel?: number;
  /** default "sampled" (pre-rendered voices); "synth": every hit's synthesized graph */
  voices?: WavVoices;
}

/** Progress over pre-rendering voices and rendering tracks, each weighted in seconds of export. */
function progressMeter(onProgress: ((fraction: number) => void) | undefined, tracks: number, trackS: number) {
  let bankDoneS = 0;
  let bankTotalS = 0;
  const done = Array.from({ length: tracks }, () => [] as number[]);
  let last = 0;
  const report = () => {
    const renderedS = done.reduce((a, d) => a + d.reduce((x, y) => x + y, 0), 0);
    const f = Math.min(1, (bankDoneS + renderedS) / (bankTotalS + tracks * trackS));
    if (f > last) {
      last = f;
      onProgress?.(f);
    }
  };
  return {
    bank(renders: number, total: number) {
      bankDoneS = renders * VOICE_RENDER_S;
      bankTotalS = total * VOICE_RENDER_S;
      report();
    },
    segment(track: number, segment: number, renderedS: number) {
      done[track]![segment] = renderedS;
      report();
    },
  };
}

/** The voices the playables' hits in range need (null: synthesize every hit). */
async function loadBank(o: RenderOptions, playables: readonly Playable[], meter: ReturnType<typeof progressMeter>): Promise<VoiceBank | null> {
  if ((o.voices ?? "sampled") === "synth") return null;
  // only the (pad, velocity layer) voices the range needs; cached, so a second export skips most of this
  const used: { pad: PadId; velocity: number }[] = [];
  for (const playable of playables) {
    for (let j = lowerBound(playable.atMs, o.fromMs); j < playable.atMs.length && playable.atMs[j]! < o.toMs; j++) {
      used.push(o.rec.hits[o.events.hit[playable.index[j]!]!]!);
    }
  }
  const [{ loadVoiceBank }, { DEFAULT_KIT }] = await Promise.all([import("./audio/voice-cache"), import("./audio/engine")]);
  // the kit a fresh engine plays (the synthesized path uses createAudioEngine's default too)
  return loadVoiceBank({ kit: DEFAULT_KIT, sampleRate: WAV_SAMPLE_RATE, hits: used, onProgress: (renders, total) => meter.bank(renders, total) });
}

/** How many segments a range is rendered in. */
function segmentCount(o: Pick<RenderOptions, "fromMs" | "toMs" | "parallel">): number {
  const rangeS = Math.max(0, (o.toMs - o.fromMs) / 1000);
  const cores = typeof navigator !== "undefined" && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
  // at least 2: while one context waits for the main thread at a checkpoint, another renders
  const want = o.parallel ?? Math.min(4, Math.max(2, cores));
  return Math.max(1, Math.min(want, Math.floor(rangeS / MIN_SEGMENT_S)));
}

/** Seconds of rendering a track costs: the whole range plus the ring-out every cut segment renders past its end. */
function trackSeconds(o: Pick<RenderOptions, "fromMs" | "toMs" | "parallel">, totalFrames: number): number {
  return totalFrames / WAV_SAMPLE_RATE + (segmentCount(o) - 1) * SEGMENT_TAIL_S;
}

function rangeFrames(o: RenderOptions, maxS: number, tracks = 1): { totalFrames: number } {
  const rangeS = Math.max(0, (o.toMs - o.fromMs) / 1000);
  if (rangeS * tracks > maxS) throw new RangeError(`At most ${maxS / 60} minutes${tracks > 1 ? " of stems (players × length)" : ""} can be exported at once.`);
  return { totalFrames: Math.max(1, Math.round((rangeS + WAV_TAIL_S) * WAV_SAMPLE_RATE)) };
}

/** One playable rendered over the range: unscaled stereo, `totalFrames` long. */
async function renderTrack(o: RenderOptions & { playable: Playable; bank: VoiceBank | null; totalFrames: number; onSegment: (segment: number, renderedS: number) => void }): Promise<{ channels: Float32Array[]; hits: number; segments: number }> {
  const { events, playable, fromMs, toMs, totalFrames } = o;
  const n = segmentCount(o);
  // cuts on whole frames, where no open hat rings
  const cuts: number[] = [0];
  for (let k = 1; k < n; k++) {
    const ideal = fromMs + (k * (toMs - fromMs)) / n;
    const cutMs = safeCutMs(events, playable, ideal);
    const frames = Math.round(((cutMs - fromMs) / 1000) * WAV_SAMPLE_RATE);
    if (frames > cuts.at(-1)! && frames < totalFrames) cuts.push(frames);
  }
  const segments = await Promise.all(
    cuts.map((startFrame, k) => {
      const last = k === cuts.length - 1;
      const endFrame = last ? totalFrames : cuts[k + 1]!;
      const lengthFrames = last ? endFrame - startFrame : Math.min(totalFrames - startFrame, endFrame - startFrame + Math.round(SEGMENT_TAIL_S * WAV_SAMPLE_RATE));
      const segFromMs = k === 0 ? fromMs : fromMs + (startFrame / WAV_SAMPLE_RATE) * 1000;
      const segToMs = last ? toMs : fromMs + (endFrame / WAV_SAMPLE_RATE) * 1000;
      return renderSegment({
        rec: o.rec,
        events,
        playable,
        fromMs: segFromMs,
        toMs: segToMs,
        offsetFrames: startFrame,
        wholeFromMs: fromMs,
        lengthFrames,
        signal: o.signal,
        bank: o.bank,
        onProgress: (s) => o.onSegment(k, s),
      });
    }),
  );
  if (o.signal?.aborted) throw new DOMException("WAV export cancelled", "AbortError");
  const channels = Array.from({ length: WAV_CHANNELS }, (_, ch) => {
    if (segments.length === 1) return segments[0]!.buffer.getChannelData(ch);
    const mix = new Float32Array(totalFrames);
    segments.forEach((s, k) => {
      const data = s.buffer.getChannelData(ch);
      const off = cuts[k]!;
      const len = Math.min(data.length, totalFrames - off);
      for (let i = 0; i < len; i++) mix[off + i]! += data[i]!;
    });
    return mix;
  });
  return { channels, hits: segments.reduce((a, s) => a + s.hits, 0), segments: segments.length };
}

/** The mix of `playable` over the range as a stereo WAV, peaking at most −1 dBFS. */
export async function renderWav(opts: RenderOptions & { playable: Playable }): Promise<WavRenderResult> {
  const { totalFrames } = rangeFrames(opts, WAV_MAX_S);
  const t0 = performance.now();
  const meter = progressMeter(opts.onProgress, 1, trackSeconds(opts, totalFrames));
  const bank = await loadBank(opts, [opts.playable], meter);
  const track = await renderTrack({ ...opts, bank, totalFrames, onSegment: (k, s) => meter.segment(0, k, s) });
  const t1 = performance.now();
  opts.onProgress?.(1);
  const { wav, peakDbfs, scale } = finishMix(track.channels, WAV_SAMPLE_RATE);
  return {
    wav,
    peakDbfs,
    scale,
    renderedSec: totalFrames / WAV_SAMPLE_RATE,
    renderWallMs: t1 - t0,
    totalWallMs: performance.now() - t0,
    hits: track.hits,
    segments: track.segments,
    voices: opts.voices ?? "sampled",
  };
}

export interface StemsRenderResult {
  /** the ZIP: one WAV per player with hits in the range */
  zip: Uint8Array;
  files: string[];
  /** every stem's frames (all the same: same start, same length) */
  frames: number;
  renderedSec: number;
  renderWallMs: number;
  totalWallMs: number;
  hits: number;
  /** the loudest stem's peak, and the peak their sum (the mix) would have; the common factor */
  peakDbfs: number;
  mixPeakDbfs: number;
  scale: number;
}

/** One stereo WAV per player (in `players` order, those with hits in the range), zipped. */
export async function renderStems(opts: RenderOptions & { players: readonly ReplayPlayer[] }): Promise<StemsRenderResult> {
  const playables = opts.players
    .map((p, i) => ({ player: p, playable: selectPlayable(opts.events, opts.players.map((_, j) => j === i)) }))
    .filter(({ playable }) => {
      const j = lowerBound(playable.atMs, opts.fromMs);
      return j < playable.atMs.length && playable.atMs[j]! < opts.toMs;
    });
  if (playables.length === 0) throw new RangeError("Nobody plays in this range: there are no stems to export.");
  const { totalFrames } = rangeFrames(opts, STEMS_MAX_S, playables.length);
  const t0 = performance.now();
  const meter = progressMeter(opts.onProgress, playables.length, trackSeconds(opts, totalFrames));
  const bank = await loadBank(opts, playables.map((p) => p.playable), meter);
  const stems: { name: string; channels: Float32Array[] }[] = [];
  let hits = 0;
  // one player after the other: each render already keeps the cores busy with its segments
  for (const [i, { player, playable }] of playables.entries()) {
    const track = await renderTrack({ ...opts, playable, bank, totalFrames, onSegment: (k, s) => meter.segment(i, k, s) });
    stems.push({ name: player.name, channels: track.channels });
    hits += track.hits;
  }
  const t1 = performance.now();
  opts.onProgress?.(1);
  const done = finishStems(stems, WAV_SAMPLE_RATE);
  return {
    zip: done.zip,
    files: done.files,
    frames: done.frames,
    renderedSec: totalFrames / WAV_SAMPLE_RATE,
    renderWallMs: t1 - t0,
    totalWallMs: performance.now() - t0,
    hits,
    peakDbfs: done.peakDbfs,
    mixPeakDbfs: done.mixPeakDbfs,
    scale: done.scale,
  };
}
