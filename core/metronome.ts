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
  atMs: number;
  downbeat: boolean;
}

export interface Grid {
  tempoBpm: number;
  beatsPerBar: number;
  epochMs: number;
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
    beats.push({ index: k, atMs, downbeat: inBar === 0 });
  }
  return beats;
}

/** The first bar line strictly after atMs. Tempo changes start there so nobody loses the "one". */
export function nextBarLineMs(grid: Grid, atMs: number): number {
  const barMs = beatMs(grid.tempoBpm) * grid.beatsPerBar;
  const bars = Math.floor((atMs - grid.epochMs) / barMs) + 1;
  return grid.epochMs + bars * barMs;
}
