/**
 * A recording as a Standard MIDI File (type 1): a conductor track with tempo
 * and time signature, then one track per player, General MIDI percussion on
 * channel 10 (index 9) with GM note numbers from core/kit.ts. Pure: data in,
 * bytes out (written by the `midi-file` library).
 */
import { writeMidi, type MidiData, type MidiEvent } from "midi-file";
import { padInfo, type PadId } from "./kit";

/** ≥ 480 asked for; 960 keeps 0.6 ms resolution at 100 BPM. */
export const MIDI_TICKS_PER_QUARTER = 960;
const DRUM_CHANNEL = 9; // "channel 10" in 1-based MIDI parlance
/** Drum notes are one-shots; a 16th-note gate keeps every DAW happy. */
const NOTE_TICKS = MIDI_TICKS_PER_QUARTER / 4;

export interface MidiSource {
  title: string;
  tempoBpm: number;
  beatsPerBar: number;
  startedAtMs: number;
  participants: { id: string; name: string }[];
  hits: { participantId: string; strikeAtMs: number; pad: PadId; velocity: number }[];
}

export function msToTicks(ms: number, tempoBpm: number): number {
  return Math.round((ms / (60_000 / tempoBpm)) * MIDI_TICKS_PER_QUARTER);
}

export function midiVelocity(velocity: number): number {
  return Math.max(1, Math.min(127, Math.round(velocity * 127)));
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

export function recordingToMidi(rec: MidiSource): Uint8Array {
  if (!(rec.tempoBpm > 0)) throw new Error(`tempoBpm must be > 0, got: ${rec.tempoBpm}`);
  const conductor: MidiEvent[] = [
    { deltaTime: 0, meta: true, type: "trackName", text: rec.title },
    { deltaTime: 0, meta: true, type: "setTempo", microsecondsPerBeat: Math.round(60_000_000 / rec.tempoBpm) },
    { deltaTime: 0, meta: true, type: "timeSignature", numerator: rec.beatsPerBar, denominator: 4, metronome: 24, thirtyseconds: 8 },
    { deltaTime: 0, meta: true, type: "endOfTrack" },
  ];
  const tracks: MidiEvent[][] = [conductor];
  const players = [...rec.participants];
  // Anyone with hits but missing from the participant list still gets a track.
  for (const h of rec.hits) if (!players.some((p) => p.id === h.participantId)) players.push({ id: h.participantId, name: h.participantId });
  for (const player of players) {
    const events: Timed[] = [{ tick: 0, order: 0, event: { meta: true, type: "trackName", text: player.name } as Omit<MidiEvent, "deltaTime"> }];
    for (const h of rec.hits) {
      if (h.participantId !== player.id) continue;
      const tick = Math.max(0, msToTicks(h.strikeAtMs - rec.startedAtMs, rec.tempoBpm));
      const noteNumber = padInfo(h.pad).gmNote;
      events.push({ tick, order: 2, event: { type: "noteOn", channel: DRUM_CHANNEL, noteNumber, velocity: midiVelocity(h.velocity) } as Omit<MidiEvent, "deltaTime"> });
      events.push({ tick: tick + NOTE_TICKS, order: 1, event: { type: "noteOff", channel: DRUM_CHANNEL, noteNumber, velocity: 0 } as Omit<MidiEvent, "deltaTime"> });
    }
    tracks.push(toTrack(events));
  }
  const data: MidiData = { header: { format: 1, numTracks: tracks.length, ticksPerBeat: MIDI_TICKS_PER_QUARTER }, tracks };
  return Uint8Array.from(writeMidi(data));
}
