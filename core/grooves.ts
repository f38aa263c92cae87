/**
 * Built-in backing grooves, generated locally from the shared clock like the
 * metronome (so every player hears them in phase with no messages). Patterns
 * are written per bar on a 16th grid for x/4 meters, an eighth grid for x/8.
 */
import type { PadId } from "./kit";
import { beatMs, type Grid } from "./metronome";

export const GROOVE_IDS = ["none", "rock", "funk", "shuffle"] as const;
export type GrooveId = (typeof GROOVE_IDS)[number];
export const GROOVE_NAMES: Record<GrooveId, string> = { none: "None", rock: "Rock", funk: "Funk", shuffle: "Shuffle" };

/** One step per character: K kick, S snare, h closed hat, o open hat, r ride, "." rest; lower volume than players. */
type Pattern = Partial<Record<PadId, string>>;

const PATTERNS: Record<Exclude<GrooveId, "none">, { quarter: Pattern; eighthCompound: Pattern }> = {
  rock: {
    quarter: { kick: "x.......x.x.....", snare: "....x.......x...", hihatClosed: "x.x.x.x.x.x.x.x." },
    eighthCompound: { kick: "x.....", snare: "...x..", hihatClosed: "xxxxxx" },
  },
  funk: {
    quarter: { kick: "x..x..x...x..x..", snare: "....x..x.x..x...", hihatClosed: "xxxxxxxxxxxxxx.x", hihatOpen: "..............x." },
    eighthCompound: { kick: "x..x.x", snare: "...x..", hihatClosed: "xxxxxx" },
  },
  shuffle: {
    quarter: { kick: "x.....x.x.......", snare: "....x.......x...", ride: "x..xx..xx..xx..x" },
    eighthCompound: { kick: "x..x..", snare: "...x..", ride: "x.xx.x" },
  },
};

export interface GrooveHit {
  pad: PadId;
  atMs: number;
  velocity: number;
}

/** Steps per beat of the pattern grid: 16ths in x/4 (4 per beat), one per eighth in x/8. */
function stepsPerBeat(grid: Grid): number {
  return (grid.beatUnit ?? 4) === 8 ? 1 : 4;
}

/** Groove hits with fromMs ≤ atMs < toMs. Bars longer than the pattern repeat it; shorter ones cut it. */
export function grooveHitsInWindow(groove: GrooveId, grid: Grid, fromMs: number, toMs: number): GrooveHit[] {
  if (groove === "none") return [];
  const patterns = PATTERNS[groove];
  const pattern = (grid.beatUnit ?? 4) === 8 ? patterns.eighthCompound : patterns.quarter;
  const per = stepsPerBeat(grid);
  const stepMs = beatMs(grid.tempoBpm) / per;
  const stepsPerBar = grid.beatsPerBar * per;
  const first = Math.ceil((fromMs - grid.epochMs) / stepMs);
  const out: GrooveHit[] = [];
  for (let k = first; ; k++) {
    const atMs = grid.epochMs + k * stepMs;
    if (atMs >= toMs) break;
    if (atMs < fromMs) continue;
    const inBar = ((k % stepsPerBar) + stepsPerBar) % stepsPerBar;
    for (const [pad, steps] of Object.entries(pattern) as [PadId, string][]) {
      if (steps[inBar % steps.length] === "x") {
        const onBeat = inBar % per === 0;
        out.push({ pad, atMs, velocity: onBeat ? 0.55 : 0.4 });
      }
    }
  }
  return out;
}
