/**
 * Music maths on the shared clock. Beat k of the room falls at
 * epochMs + k · beatMs; beat k is a downbeat when k ≡ 0 (mod beatsPerBar).
 * Every client computes the same beats from the same epoch, so metronomes
 * click in phase without any message per click.
 */

export function beatMs(tempoBpm: number): number {
  if (!(tempoBpm > 0) || !Number.isFinite(tempoBpm)) {
    throw new Error(`Tempo must be a positive number of BPM, got: ${tempoBpm}`);
  }
  return 60_000 / tempoBpm;
}

export interface Beat {
  index: number;
  /** position in the bar, 0 = the downbeat */
  inBar: number;
  atMs: number;
  downbeat: boolean;
  /** a secondary accent: beat 4 of 6/8 (compound meters group beats in threes) */
  accent: boolean;
}

export interface Grid {
  /** beats (of the meter's beat unit) per minute */
  tempoBpm: number;
  beatsPerBar: number;
  epochMs: number;
  /** 4 for x/4 (quarter-note beats), 8 for x/8 (eighth-note beats); 4 when absent */
  beatUnit?: number;
}

/** The meters the transport offers. */
export const METERS = [
  { id: "4/4", beatsPerBar: 4, beatUnit: 4 },
  { id: "3/4", beatsPerBar: 3, beatUnit: 4 },
  { id: "6/8", beatsPerBar: 6, beatUnit: 8 },
] as const;

export function meterLabel(beatsPerBar: number, beatUnit = 4): string {
  return `${beatsPerBar}/${beatUnit}`;
}

export function barMs(grid: Grid): number {
  return beatMs(grid.tempoBpm) * grid.beatsPerBar;
}

/** Compound meters (6/8, 9/8, 12/8) accent every third beat. */
function isAccent(grid: Grid, inBar: number): boolean {
  return (grid.beatUnit ?? 4) === 8 && grid.beatsPerBar % 3 === 0 && inBar % 3 === 0;
}

/** Beats with fromMs ≤ atMs < toMs. */
export function beatsInWindow(grid: Grid, fromMs: number, toMs: number): Beat[] {
  const step = beatMs(grid.tempoBpm);
  const first = Math.ceil((fromMs - grid.epochMs) / step);
  const beats: Beat[] = [];
  for (let k = first; ; k++) {
    const atMs = grid.epochMs + k * step;
    if (atMs >= toMs) break;
    if (atMs < fromMs) continue;
    const inBar = ((k % grid.beatsPerBar) + grid.beatsPerBar) % grid.beatsPerBar;
    beats.push({ index: k, inBar, atMs, downbeat: inBar === 0, accent: inBar === 0 || isAccent(grid, inBar) });
  }
  return beats;
}

/** The first bar line strictly after atMs. Tempo changes start there so nobody loses the "one". */
export function nextBarLineMs(grid: Grid, atMs: number): number {
  const barMs = beatMs(grid.tempoBpm) * grid.beatsPerBar;
  const bars = Math.floor((atMs - grid.epochMs) / barMs) + 1;
  return grid.epochMs + bars * barMs;
}

/**
 * The grid step (ms) of a subdivision given as notes per whole note
 * (4 = quarters, 8 = eighths, 16 = sixteenths), whatever the meter's beat unit.
 */
export function subdivisionMs(grid: Grid, subdivision: number): number {
  if (!(subdivision > 0)) throw new Error(`subdivision must be > 0, got: ${subdivision}`);
  return (beatMs(grid.tempoBpm) * (grid.beatUnit ?? 4)) / subdivision;
}

/**
 * Signed distance (ms) from atMs to the nearest line of a subdivision given as a note value
 * (4, 8, 16: whatever the meter's beat unit), in [-step/2, step/2): + means late. The one
 * grid-offset function: battle scores use it on the room's grid, the replay's statistics on the
 * recording's (core/timeline.ts offsetFromGrid), fitted grids included.
 */
export function gridOffsetMs(grid: Grid, subdivision: number, atMs: number): number {
  const step = subdivisionMs(grid, subdivision);
  const rel = atMs - grid.epochMs;
  return rel - Math.round(rel / step) * step;
}
