import { Midi } from "@tonejs/midi";
import { describe, expect, it } from "vitest";
import { KIT } from "./kit";
import { MIDI_TICKS_PER_QUARTER, recordingToMidi } from "./midi";
import { seededRng } from "./rng";
import { recordingGrid, type TimelineEntry } from "./timeline";

describe("recordingToMidi (checked with an independent parser, @tonejs/midi)", () => {
  const rng = seededRng(4);
  const startedAtMs = 1_700_000_000_000;
  const hits = Array.from({ length: 200 }, (_, i) => ({
    participantId: i % 3 === 0 ? "p-bo" : "p-ada",
    seq: i + 1,
    strikeAtMs: startedAtMs + i * 150 + Math.round(rng() * 20),
    pad: KIT[Math.floor(rng() * KIT.length)]!.id,
    velocity: Math.round(rng() * 127) / 127,
  }));
  const rec = {
    title: "Nara session",
    tempoBpm: 114,
    beatsPerBar: 3,
    startedAtMs,
    participants: [
      { id: "p-ada", name: "Ada" },
      { id: "p-bo", name: "Bo" },
    ],
    hits,
  };
  const midi = new Midi(recordingToMidi(rec));

  it("is a type-1 file with tempo, time signature and enough resolution", () => {
    expect(midi.header.ppq).toBe(MIDI_TICKS_PER_QUARTER);
    expect(midi.header.ppq).toBeGreaterThanOrEqual(480);
    expect(midi.header.tempos[0]!.bpm).toBeCloseTo(114, 3);
    expect(midi.header.timeSignatures[0]!.timeSignature).toEqual([3, 4]);
    // The file has a conductor track + one per player; @tonejs/midi folds the conductor into its header.
    expect(midi.header.name).toBe("Nara session");
    expect(midi.tracks).toHaveLength(2);
  });

  it("has one track per player, named after them, on channel 10 with GM drum notes", () => {
    const [ada, bo] = midi.tracks;
    expect(ada!.name).toBe("Ada");
    expect(bo!.name).toBe("Bo");
    for (const t of [ada!, bo!]) expect(t.channel).toBe(9);
  });

  it("keeps every hit: note number, velocity and time (from the fitted bar line: no timeline stored)", () => {
    const grid = recordingGrid(rec);
    expect(grid.source).toBe("fitted");
    expect(grid.originMs).toBeLessThanOrEqual(0);
    for (const [i, player] of (["p-ada", "p-bo"] as const).entries()) {
      const track = midi.tracks[i]!;
      const mine = hits.filter((h) => h.participantId === player);
      expect(track.notes).toHaveLength(mine.length);
      const notes = [...track.notes].sort((a, b) => a.ticks - b.ticks || a.midi - b.midi);
      const want = [...mine]
        .map((h) => ({ ...h, note: KIT.find((p) => p.id === h.pad)!.gmNote }))
        .sort((a, b) => a.strikeAtMs - b.strikeAtMs || a.note - b.note);
      for (const [k, n] of notes.entries()) {
        const h = want[k]!;
        expect(n.midi).toBe(h.note);
        expect(Math.round(n.velocity * 127)).toBe(Math.max(1, Math.round(h.velocity * 127)));
        // at 960 PPQ and 114 BPM a tick is 0.55 ms: times agree within half a tick
        expect(Math.abs(n.time * 1000 - (h.strikeAtMs - startedAtMs - grid.originMs))).toBeLessThanOrEqual(0.3);
      }
    }
  });

  it("uses the GM numbers the issue lists", () => {
    expect(Object.fromEntries(KIT.map((p) => [p.id, p.gmNote]))).toEqual({
      kick: 36, snare: 38, hihatClosed: 42, hihatOpen: 46, tomLow: 45, tomHigh: 50, crash: 49, ride: 51,
    });
  });
});

/**
 * Issue 12's DAW check: a room in 6/8 at 120, a player striking exactly on the
 * room's beats, the host changing the tempo to 90 mid-recording (at a bar line).
 */
describe("a 6/8 recording with a tempo change, read by @tonejs/midi", () => {
  const epochMs = 1_700_000_000_123.456; // the room's beat epoch: long before the recording
  const beat120 = 60_000 / 120;
  const bar120 = beat120 * 6;
  const startedAtMs = epochMs + 1_000 * bar120 + 2_345.6; // mid-bar
  const changeAtMs = epochMs + 1_003 * bar120; // a bar line of the 6/8 @ 120 grid
  const beat90 = 60_000 / 90;
  const timeline: TimelineEntry[] = [
    { epochMs, tempoBpm: 120, beatsPerBar: 6, beatUnit: 8, groove: "none" },
    { epochMs: changeAtMs, tempoBpm: 90, beatsPerBar: 6, beatUnit: 8, groove: "none" },
  ];
  // 8 hits on the beats before the change, 8 after; beat k of a grid is at epoch + k · beat
  const onBeats = [
    ...[5, 6, 8, 9, 11, 12, 14, 17].map((k) => changeAtMs - 18 * beat120 + k * beat120),
    ...[0, 1, 3, 6, 8, 11, 12, 17].map((k) => changeAtMs + k * beat90),
  ];
  const hits = onBeats.map((strikeAtMs, i) => ({ participantId: "p-ada", seq: i + 1, strikeAtMs, pad: i % 3 === 0 ? ("kick" as const) : ("snare" as const), velocity: 0.8 }));
  const rec = {
    title: "Six-eight",
    tempoBpm: 120,
    beatsPerBar: 6,
    beatUnit: 8,
    startedAtMs,
    endedAtMs: changeAtMs + 20 * beat90,
    timeline,
    participants: [{ id: "p-ada", name: "Ada" }],
    hits,
  };
  const midi = new Midi(recordingToMidi(rec));
  const ticksPerBeat = MIDI_TICKS_PER_QUARTER / 2; // an eighth note
  const ticksPerBar = 6 * ticksPerBeat;

  it("says 6/8, at every change", () => {
    expect(midi.header.timeSignatures.map((t) => t.timeSignature)).toEqual([
      [6, 8],
      [6, 8],
    ]);
  });

  it("carries both tempos, in quarter notes (120 eighths = 60 quarters a minute), at the bar line of the change", () => {
    // µs per quarter is an integer: 1,333,333 µs reads back as 45.00001 BPM
    expect(midi.header.tempos.map((t) => Math.round(t.bpm * 1000) / 1000)).toEqual([60, 45]);
    const origin = epochMs + 1_000 * bar120; // the bar line at or before the recording start
    expect(midi.header.tempos[0]!.ticks).toBe(0);
    expect(midi.header.tempos[1]!.ticks).toBe(((changeAtMs - origin) / bar120) * ticksPerBar);
    expect(midi.header.tempos[1]!.ticks % ticksPerBar).toBe(0);
    expect(midi.header.timeSignatures[1]!.ticks).toBe(midi.header.tempos[1]!.ticks);
  });

  it("puts 16 of 16 on-beat notes exactly on the DAW's beat grid, at the right times", () => {
    const notes = midi.tracks[0]!.notes;
    expect(notes).toHaveLength(16);
    expect(notes.filter((n) => n.ticks % ticksPerBeat === 0)).toHaveLength(16);
    const origin = epochMs + 1_000 * bar120;
    // a DAW's reading of the tempo map puts them where they were struck (µs tempo rounding: < 0.01 ms here)
    notes.forEach((n, i) => expect(Math.abs(n.time * 1000 - (onBeats[i]! - origin))).toBeLessThan(0.01));
  });

  it("time 0 is the bar line before the recording start: the first note is on beat 6 of bar 1, after a rest", () => {
    expect(startedAtMs - (epochMs + 1_000 * bar120)).toBeCloseTo(2_345.6, 3);
    expect(midi.tracks[0]!.notes[0]!.ticks).toBe(5 * ticksPerBeat);
  });
});

describe("a recording that starts with a count-in bar", () => {
  const startedAtMs = 1_700_000_000_000; // a bar line of the grid below
  const timeline: TimelineEntry[] = [{ epochMs: startedAtMs, tempoBpm: 120, beatsPerBar: 4, beatUnit: 4, groove: "none" }];
  const base = { title: "Count-in", tempoBpm: 120, beatsPerBar: 4, startedAtMs, timeline, participants: [{ id: "p-ada", name: "Ada" }] };
  const hits = [{ participantId: "p-ada", seq: 1, strikeAtMs: startedAtMs + 2_000, pad: "kick" as const, velocity: 1 }];

  it("marks the count-in and bar 1 where the DAW's ruler shows them", () => {
    const midi = new Midi(recordingToMidi({ ...base, barOneAtMs: startedAtMs + 2_000, hits }));
    const markers = midi.header.meta.filter((m) => m.type === "marker").map((m) => ({ text: m.text, ticks: m.ticks }));
    expect(markers).toEqual([
      { text: "Count-in", ticks: 0 },
      { text: "Bar 1", ticks: 4 * MIDI_TICKS_PER_QUARTER },
    ]);
    expect(midi.tracks[0]!.notes[0]!.ticks).toBe(4 * MIDI_TICKS_PER_QUARTER); // bar 1's downbeat is on the marker
  });

  it("has no markers without a count-in", () => {
    for (const barOneAtMs of [undefined, null, startedAtMs]) {
      expect(new Midi(recordingToMidi({ ...base, barOneAtMs, hits })).header.meta.filter((m) => m.type === "marker")).toEqual([]);
    }
  });
});
