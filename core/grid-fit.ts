/**
 * A tempo grid fitted to a recording's hits, for recordings made before the
 * room's timeline (beat epoch and tempo changes) was stored with them; newer
 * recordings carry their grid (core/timeline.ts) and are never fitted.
 */
import { PAD_IDS } from "./kit";
import type { ReplayEvents } from "./replay";

/**
 * The tempo grid of a recording without a stored timeline. Recording starts
 * on no particular beat, so the grid's phase is fitted to the hits themselves: the circular mean of the strike phases at
 * the 16th-note period (robust to hits on any straight subdivision) places
 * the 16th lines; the beat is the one of the four 16ths with the most
 * (weighted) hits on it, and the bar line the beat with the most weighted
 * hits on it (kicks and crashes weigh most: they mark the "one"). Ties go to
 * the larger summed cosine at the beat / bar period.
 */
export interface GridFit {
  beatMs: number;
  beatsPerBar: number;
  /** position (ms from the recording start) of a bar line, in [0, bar length) */
  phaseMs: number;
  /** how consistent the hits are with the 16th grid: mean resultant length 0..1 (0 without hits) */
  strength: number;
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** Weights for choosing the beat and the bar line: kick and crash mark the "one". */
export function downbeatWeights(ev: Pick<ReplayEvents, "count" | "lane">): Float32Array {
  const kick = PAD_IDS.indexOf("kick");
  const crash = PAD_IDS.indexOf("crash");
  const w = new Float32Array(ev.count);
  for (let k = 0; k < ev.count; k++) w[k] = ev.lane[k] === kick || ev.lane[k] === crash ? 3 : 1;
  return w;
}

/** downbeatWeights for a list of pad ids. */
export function downbeatWeightsOf(pads: readonly string[]): Float32Array {
  return Float32Array.from(pads, (p) => (p === "kick" || p === "crash" ? 3 : 1));
}

export function fitGrid(strikeMs: ArrayLike<number>, tempoBpm: number, beatsPerBar: number, weights?: ArrayLike<number>): GridFit {
  const beatMs = 60_000 / tempoBpm;
  const barMs = beatMs * beatsPerBar;
  const n = strikeMs.length;
  if (n === 0) return { beatMs, beatsPerBar, phaseMs: 0, strength: 0 };
  const step = beatMs / 4;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * strikeMs[i]!) / step;
    sx += Math.cos(a);
    sy += Math.sin(a);
  }
  const strength = Math.hypot(sx, sy) / n;
  const phase16 = strength > 1e-9 ? mod((Math.atan2(sy, sx) / (2 * Math.PI)) * step, step) : 0;
  /** [weighted hits within ±half a `lineStep` of the candidate's lines, summed cosine] */
  const score = (candidate: number, period: number, lineStep: number): [number, number] => {
    let on = 0;
    let cos = 0;
    for (let i = 0; i < n; i++) {
      const d = strikeMs[i]! - candidate;
      if (Math.abs(mod(d + period / 2, period) - period / 2) < lineStep / 2) on += weights ? weights[i]! : 1;
      cos += Math.cos((2 * Math.PI * d) / period);
    }
    return [on, cos];
  };
  const pick = (base: number, count: number, stride: number, period: number, lineStep: number): number => {
    let best = base;
    let bestScore: [number, number] = [-Infinity, -Infinity];
    for (let j = 0; j < count; j++) {
      const c = base + j * stride;
      const sc = score(c, period, lineStep);
      if (sc[0] > bestScore[0] + 1e-9 || (Math.abs(sc[0] - bestScore[0]) <= 1e-9 && sc[1] > bestScore[1] + 1e-9)) {
        best = c;
        bestScore = sc;
      }
    }
    return best;
  };
  const beatPhase = pick(phase16, 4, step, beatMs, step);
  const barPhase = pick(beatPhase, beatsPerBar, beatMs, barMs, beatMs);
  return { beatMs, beatsPerBar, phaseMs: mod(barPhase, barMs), strength };
}

/** The subdivisions offered for timing statistics, as note values. */
export const SUBDIVISIONS = [
  { id: "4", label: "1/4", note: 4 },
  { id: "8", label: "1/8", note: 8 },
  { id: "16", label: "1/16", note: 16 },
] as const;

// Offsets from and lines of a fitted grid are those of the recording's grid (core/timeline.ts
// recordingGrid turns a fit into one): one offset function for every grid, core/metronome.ts gridOffsetMs.

