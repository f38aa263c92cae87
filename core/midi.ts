/**
 * A recording as a Standard MIDI File (type 1): a conductor track with the
 * recording's tempo map and time signatures, then one track per player,
 * General MIDI percussion on channel 10 (index 9) with GM note numbers from
 * core/kit.ts. Pure: data in, bytes out (written by the `midi-file` library).
 *
 * Time 0 is the bar line at or before the recording start (core/timeline.ts:
 * the grid's origin), so a DAW's bar 1 is the room's bar and anything before
 * the first hit is a rest. Every grid of the timeline gets a tempo and a
 * time-signature event at the tick it took effect. A room's BPM counts its
 * meter's beat unit (6/8 at 120 = 120 eighth notes a minute, core/metronome.ts)
 * while a MIDI tempo is µs per quarter note, so an x/8 grid's quarter lasts two
 * beats. A hit's tick is counted in beats from the start of its grid, so a hit
 * struck on a beat lands exactly on that beat's tick.
 */
import { writeMidi, type MidiData, type MidiEvent } from "midi-file";
import type { Hit } from "./hit";
import { padInfo } from "./kit";
import { recordingGrid, type GridSegment, type ReplayGrid, type TimelineEntry } from "./timeline";

/** ≥ 480 asked for; 960 keeps 0.6 ms resolution at 100 BPM (and 480 ticks per eighth-note beat). */
export const MIDI_TICKS_PER_QUARTER = 960;
const DRUM_CHANNEL = 9; // "channel 10" in 1-based MIDI parlance
/** Drum notes are one-shots; a 16th-note gate keeps every DAW happy. */
const NOTE_TICKS = MIDI_TICKS_PER_QUARTER / 4;
/** MIDI clocks per quarter note (the time-signature event counts metronome clicks in them) */
const CLOCKS_PER_QUARTER = 24;

export interface MidiSource {
  title: string;
  /** the grid when recording started: used when no timeline is stored */
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit?: number;
  startedAtMs: number;
  /** after a count-in bar the recording starts with: where bar 1 begins (a "Bar 1" marker; null or missing: no count-in) */
  barOneAtMs?: number | null;
  endedAtMs?: number | null;
  /** the recording's timeline (core/timeline.ts); missing or empty: a grid fitted to the hits */
  timeline?: readonly TimelineEntry[] | null;
  participants: { id: string; name: string }[];
  /** the recording's hits (core/hit.ts); a track's name is its participant's, by participantId */
  hits: readonly Hit[];
}

/** ms → ticks at one tempo (BPM of quarter notes). */
export function msToTicks(ms: number, tempoBpm: number): number {
  return Math.round((ms / (60_000 / tempoBpm)) * MIDI_TICKS_PER_QUARTER);
}

export function midiVelocity(velocity: number): number {
  return Math.max(1, Math.min(127, Math.round(velocity * 127)));
}

/** Ticks per beat of a grid: a quarter-note beat is 960, an eighth-note beat 480. */
function ticksPerBeat(s: Pick<GridSegment, "beatUnit">): number {
  return (MIDI_TICKS_PER_QUARTER * 4) / s.beatUnit;
}

/** Where each grid of the timeline starts, in ms from the recording start and in ticks. */
export interface TempoMapEntry {
  atMs: number;
  tick: number;
  segment: GridSegment;
}

export function tempoMap(grid: ReplayGrid): TempoMapEntry[] {
  const map: TempoMapEntry[] = [];
  for (const segment of grid.segments) {
    const prev = map.at(-1);
    if (!prev) map.push({ atMs: grid.originMs, tick: 0, segment });
    else map.push({ atMs: segment.fromMs, tick: prev.tick + Math.round(((segment.fromMs - prev.atMs) / prev.segment.beatMs) * ticksPerBeat(prev.segment)), segment });
  }
  return map;
}

/** The tick of a time (ms from the recording start); before the origin: tick 0. */
export function tickAt(map: readonly TempoMapEntry[], atMs: number): number {
  let e = map[0]!;
  for (const x of map) if (x.atMs <= atMs) e = x;
  return Math.max(0, e.tick + Math.round(((atMs - e.atMs) / e.segment.beatMs) * ticksPerBeat(e.segment)));
}

interface Timed {
  tick: number;
  order: number; // noteOff before noteOn at the same tick
  event: Omit<MidiEvent, "deltaTime">;
}

function toTrack(events: Timed[]): MidiEvent[] {
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  let last = 0;
  const track = events.map((e) => {
    const deltaTime = e.tick - last;
    last = e.tick;
    return { ...e.event, deltaTime } as MidiEvent;
  });
  track.push({ deltaTime: 0, meta: true, type: "endOfTrack" });
  return track;
}

/** Markers a DAW shows on its ruler: where the count-in bar and bar 1 begin (none without a count-in). */
function markers(rec: MidiSource, map: readonly TempoMapEntry[]): Timed[] {
  if (rec.barOneAtMs === null || rec.barOneAtMs === undefined || !(rec.barOneAtMs > rec.startedAtMs)) return [];
  const marker = (tick: number, text: string): Timed => ({ tick, order: 3, event: { meta: true, type: "marker", text } as Omit<MidiEvent, "deltaTime"> });
  return [marker(0, "Count-in"), marker(tickAt(map, rec.barOneAtMs - rec.startedAtMs), "Bar 1")];
}

function conductorTrack(title: string, map: readonly TempoMapEntry[], extra: Timed[] = []): MidiEvent[] {
  const events: Timed[] = [{ tick: 0, order: 0, event: { meta: true, type: "trackName", text: title } as Omit<MidiEvent, "deltaTime"> }, ...extra];
  for (const { tick, segment: s } of map) {
    const quarterMs = (s.beatMs * s.beatUnit) / 4;
    events.push({ tick, order: 1, event: { meta: true, type: "setTempo", microsecondsPerBeat: Math.round(quarterMs * 1000) } as Omit<MidiEvent, "deltaTime"> });
    events.push({
      tick,
      order: 2,
      // the metronome clicks every beat of the meter, as the room's does
      event: { meta: true, type: "timeSignature", numerator: s.beatsPerBar, denominator: s.beatUnit, metronome: (CLOCKS_PER_QUARTER * 4) / s.beatUnit, thirtyseconds: 8 } as Omit<MidiEvent, "deltaTime">,
    });
  }
  return toTrack(events);
}

export function recordingToMidi(rec: MidiSource): Uint8Array {
  if (!(rec.tempoBpm > 0)) throw new Error(`tempoBpm must be > 0, got: ${rec.tempoBpm}`);
  const map = tempoMap(recordingGrid(rec));
  const tracks: MidiEvent[][] = [conductorTrack(rec.title, map, markers(rec, map))];
  const players = [...rec.participants];
  // Anyone with hits but missing from the participant list still gets a track.
  for (const h of rec.hits) if (!players.some((p) => p.id === h.participantId)) players.push({ id: h.participantId, name: h.participantId });
  for (const player of players) {
    const events: Timed[] = [{ tick: 0, order: 0, event: { meta: true, type: "trackName", text: player.name } as Omit<MidiEvent, "deltaTime"> }];
    for (const h of rec.hits) {
      if (h.participantId !== player.id) continue;
      const tick = tickAt(map, h.strikeAtMs - rec.startedAtMs);
      const noteNumber = padInfo(h.pad).gmNote;
      events.push({ tick, order: 2, event: { type: "noteOn", channel: DRUM_CHANNEL, noteNumber, velocity: midiVelocity(h.velocity) } as Omit<MidiEvent, "deltaTime"> });
      events.push({ tick: tick + NOTE_TICKS, order: 1, event: { type: "noteOff", channel: DRUM_CHANNEL, noteNumber, velocity: 0 } as Omit<MidiEvent, "deltaTime"> });
    }
    tracks.push(toTrack(events));
  }
  const data: MidiData = { header: { format: 1, numTracks: tracks.length, ticksPerBeat: MIDI_TICKS_PER_QUARTER }, tracks };
  return Uint8Array.from(writeMidi(data));
}
