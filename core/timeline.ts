/**
 * A recording's timeline: which beat grid was in force when. Pure.
 *
 * The server stores with every recording the room's grid when it started (its
 * beat epoch: a shared-clock time of a bar line) and every tempo, meter or
 * groove change after it, each with the shared time it took effect (a bar line
 * of the grid before it: server/room/transport.ts `setTempo`). Each entry is in force
 * from its epoch until the next entry's; the first one also before its epoch
 * (a grid extends backwards), which is how a recording that started long
 * after the room's epoch finds its beats.
 *
 * The replay page, the timing statistics, the MIDI file and the audio exports
 * all read a recording's grid through `recordingGrid`, positions in ms from
 * the recording's start. Bars are numbered from the bar line at or before the
 * start (bar 0, "bar 1" in a DAW): the MIDI file's tick 0 and the first sample
 * of a whole-recording audio export. Recordings made before timelines were
 * stored get a grid fitted to their hits (./grid-fit), marked as such.
 */
import { downbeatWeightsOf, fitGrid } from "./grid-fit";
import type { Hit } from "./hit";
import { gridOffsetMs, type Grid } from "./metronome";

/** One grid of a timeline, as stored and as exported in the recording's JSON. */
export interface TimelineEntry {
  /** shared-clock time (ms) this grid took effect: one of its bar lines (its beat 0) */
  epochMs: number;
  /** beats (of `beatUnit`) per minute: a 6/8 room at 120 counts 120 eighth notes a minute */
  tempoBpm: number;
  beatsPerBar: number;
  /** 4 for x/4 meters (quarter-note beats), 8 for x/8 (eighth-note beats) */
  beatUnit: number;
  /** backing groove id (core/grooves.ts), "none" when off */
  groove: string;
}

/** A bar line within this fraction of a beat counts as on it (float noise of ms arithmetic). */
const ON_LINE = 1e-6;

/** Throws (with the value) on an entry no grid can be made of; the store checks entries with it too. */
export function checkTimelineEntry(e: TimelineEntry): void {
  if (!Number.isFinite(e.epochMs)) throw new RangeError(`Timeline epochMs must be finite, got: ${e.epochMs}`);
  if (!(e.tempoBpm > 0) || !Number.isFinite(e.tempoBpm)) throw new RangeError(`Timeline tempoBpm must be a positive number, got: ${e.tempoBpm}`);
  if (!Number.isInteger(e.beatsPerBar) || e.beatsPerBar < 1) throw new RangeError(`Timeline beatsPerBar must be a positive integer, got: ${e.beatsPerBar}`);
  if (e.beatUnit !== 4 && e.beatUnit !== 8) throw new RangeError(`Timeline beatUnit must be 4 or 8, got: ${e.beatUnit}`);
}

/**
 * The entries in force over [fromMs, toMs): the last one taking effect at or
 * before fromMs (or the first, when all start later), then every later one
 * taking effect before toMs. Sorted by epoch; of two at the same epoch the
 * later in the input wins (a change replacing a pending one).
 */
export function timelineInForce(entries: readonly TimelineEntry[], fromMs: number, toMs = Infinity): TimelineEntry[] {
  const byEpoch = new Map<number, TimelineEntry>();
  for (const e of entries) {
    checkTimelineEntry(e);
    byEpoch.set(e.epochMs, e);
  }
  const sorted = [...byEpoch.values()].sort((a, b) => a.epochMs - b.epochMs);
  let first = 0;
  for (let i = 0; i < sorted.length; i++) if (sorted[i]!.epochMs <= fromMs) first = i;
  return sorted.slice(first).filter((e, i) => i === 0 || e.epochMs < toMs);
}

/** One grid of a recording, positions in ms from the recording's start. A metronome Grid. */
export interface GridSegment extends Grid {
  /** where it takes over (ms from the recording start); -Infinity for the first */
  fromMs: number;
  /** one of its bar lines (ms from the recording start): its beat 0 */
  epochMs: number;
  beatUnit: number;
  beatMs: number;
  /** bar number of the bar starting at epochMs (bar 0 starts at the grid's origin) */
  barAtEpoch: number;
  groove: string;
}

export interface ReplayGrid {
  /** at least one, ordered by fromMs */
  segments: GridSegment[];
  /** the bar line at or before the recording start (≤ 0): bar 0, tick 0 of the MIDI file */
  originMs: number;
  /** "stored": the recording's timeline; "fitted": guessed from the hits (no timeline stored) */
  source: "stored" | "fitted";
}

function barLength(s: Pick<GridSegment, "beatMs" | "beatsPerBar">): number {
  return s.beatMs * s.beatsPerBar;
}

/** The grid of a stored timeline (entries as stored: absolute shared-clock times). */
export function gridFromTimeline(entries: readonly TimelineEntry[], startedAtMs: number, endedAtMs: number | null = null): ReplayGrid {
  const inForce = timelineInForce(entries, startedAtMs, endedAtMs ?? Infinity);
  if (inForce.length === 0) throw new RangeError("A timeline needs at least one entry");
  const segments: GridSegment[] = [];
  let originMs = 0;
  for (const [i, e] of inForce.entries()) {
    const beatMs = 60_000 / e.tempoBpm;
    const seg: GridSegment = {
      fromMs: i === 0 ? -Infinity : e.epochMs - startedAtMs,
      epochMs: e.epochMs - startedAtMs,
      tempoBpm: e.tempoBpm,
      beatsPerBar: e.beatsPerBar,
      beatUnit: e.beatUnit,
      beatMs,
      barAtEpoch: 0,
      groove: e.groove,
    };
    const prev = segments.at(-1);
    if (!prev) {
      const bar = barLength(seg);
      const barsBack = Math.floor((0 - seg.epochMs) / bar + ON_LINE);
      originMs = seg.epochMs + barsBack * bar;
      seg.barAtEpoch = -barsBack;
    } else {
      // Changes take effect on a bar line of the grid before them; should one not
      // (a server restart's fresh epoch), the partial bar still counts as a bar.
      seg.barAtEpoch = prev.barAtEpoch + Math.ceil((seg.epochMs - prev.epochMs) / barLength(prev) - ON_LINE);
    }
    segments.push(seg);
  }
  return { segments, originMs, source: "stored" };
}

/** The grid of a recording: its stored timeline, or (none stored) one fitted to its hits. */
export function recordingGrid(rec: {
  startedAtMs: number;
  endedAtMs?: number | null;
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit?: number;
  timeline?: readonly TimelineEntry[] | null;
  /** what a fitted grid reads of the hits (core/hit.ts) */
  hits: readonly Pick<Hit, "strikeAtMs" | "pad">[];
}): ReplayGrid {
  if (rec.timeline && rec.timeline.length > 0) return gridFromTimeline(rec.timeline, rec.startedAtMs, rec.endedAtMs ?? null);
  const strikes = rec.hits.map((h) => h.strikeAtMs - rec.startedAtMs);
  const fit = fitGrid(strikes, rec.tempoBpm, rec.beatsPerBar, downbeatWeightsOf(rec.hits.map((h) => h.pad)));
  const bar = fit.beatMs * fit.beatsPerBar;
  const epochMs = fit.phaseMs > ON_LINE ? fit.phaseMs - bar : 0;
  const grid = gridFromTimeline(
    [{ epochMs: rec.startedAtMs + epochMs, tempoBpm: rec.tempoBpm, beatsPerBar: rec.beatsPerBar, beatUnit: rec.beatUnit === 8 ? 8 : 4, groove: "none" }],
    rec.startedAtMs,
  );
  return { ...grid, source: "fitted" };
}

/** The segment in force at atMs (ms from the recording start). */
export function segmentAt(grid: ReplayGrid, atMs: number): GridSegment {
  const s = grid.segments;
  let i = 0;
  while (i + 1 < s.length && s[i + 1]!.fromMs <= atMs) i++;
  return s[i]!;
}

/** The bar containing atMs (0 = the bar starting at the origin; negative before it). */
export function barAt(grid: ReplayGrid, atMs: number): number {
  const s = segmentAt(grid, atMs);
  return s.barAtEpoch + Math.floor((atMs - s.epochMs) / barLength(s) + ON_LINE);
}

/** Where bar `bar` starts (ms from the recording start). */
export function barStartMs(grid: ReplayGrid, bar: number): number {
  const segs = grid.segments;
  let s = segs[0]!;
  for (const x of segs) if (x.barAtEpoch <= bar) s = x;
  return s.epochMs + (bar - s.barAtEpoch) * barLength(s);
}

/**
 * core/metronome.ts gridOffsetMs on the grid in force at atMs (a recording's
 * grid changes with its tempo changes): the signed distance (ms) to the
 * nearest line of a subdivision given as a note value (4, 8, 16), + is late.
 * Battles are scored by the same function, so a battle's turns and the
 * replay's statistics measure against the same lines.
 */
export function offsetFromGrid(grid: ReplayGrid, note: number, atMs: number): number {
  return gridOffsetMs(segmentAt(grid, atMs), note, atMs);
}

export interface GridLine {
  atMs: number;
  /** 2 = bar line, 1 = beat, 0 = subdivision */
  kind: 0 | 1 | 2;
  /** the bar it is in (0 = the bar starting at the origin) */
  bar: number;
}

/**
 * Grid lines with fromMs ≤ atMs < toMs, for drawing: of a subdivision (a note
 * value: 4, 8, 16; never coarser than the beat, so a quarter note in 6/8 draws
 * every eighth-note beat), of the beats, or of the bars only.
 */
export function gridLinesIn(grid: ReplayGrid, level: number | "beat" | "bar", fromMs: number, toMs: number, maxLines = 10_000): GridLine[] {
  const out: GridLine[] = [];
  const segs = grid.segments;
  for (let i = 0; i < segs.length && out.length < maxLines; i++) {
    const s = segs[i]!;
    const lo = Math.max(fromMs, s.fromMs);
    const hi = Math.min(toMs, segs[i + 1]?.fromMs ?? Infinity);
    if (hi <= lo) continue;
    const bar = barLength(s);
    const step = level === "bar" ? bar : level === "beat" ? s.beatMs : (s.beatMs * s.beatUnit) / Math.max(level, s.beatUnit);
    const perBar = bar / step;
    const perBeat = s.beatMs / step;
    for (let k = Math.ceil((lo - s.epochMs) / step - ON_LINE); out.length < maxLines; k++) {
      const atMs = s.epochMs + k * step;
      if (atMs >= hi) break;
      if (atMs < lo - ON_LINE) continue;
      const inBar = k / perBar;
      const onBar = Math.abs(inBar - Math.round(inBar)) < ON_LINE;
      const onBeat = Math.abs(k / perBeat - Math.round(k / perBeat)) < ON_LINE;
      out.push({ atMs, kind: onBar ? 2 : onBeat ? 1 : 0, bar: s.barAtEpoch + Math.floor(inBar + ON_LINE) });
    }
  }
  return out;
}

/** "120 BPM, 6/8" or "120 → 90 BPM, 6/8" (each change once, meters when they change too). */
export function gridLabel(grid: ReplayGrid): string {
  const parts: string[] = [];
  let last = "";
  for (const s of grid.segments) {
    const label = `${Math.round(s.tempoBpm * 100) / 100}|${s.beatsPerBar}/${s.beatUnit}`;
    if (label !== last) parts.push(label);
    last = label;
  }
  const meters = new Set(parts.map((p) => p.split("|")[1]));
  if (meters.size === 1) return `${parts.map((p) => p.split("|")[0]).join(" → ")} BPM, ${[...meters][0]}`;
  return parts.map((p) => `${p.split("|")[0]} BPM ${p.split("|")[1]}`).join(" → ");
}
