import { Midi } from "@tonejs/midi";
import { describe, expect, it } from "vitest";
import { KIT } from "./kit";
import { MIDI_TICKS_PER_QUARTER, recordingToMidi } from "./midi";
import { seededRng } from "./rng";

describe("recordingToMidi (checked with an independent parser, @tonejs/midi)", () => {
  const rng = seededRng(4);
  const startedAtMs = 1_700_000_000_000;
  const hits = Array.from({ length: 200 }, (_, i) => ({
    participantId: i % 3 === 0 ? "p-bo" : "p-ada",
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

  it("keeps every hit: note number, velocity and time", () => {
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
        expect(Math.abs(n.time * 1000 - (h.strikeAtMs - startedAtMs))).toBeLessThanOrEqual(0.3);
      }
    }
  });

  it("uses the GM numbers the issue lists", () => {
    expect(Object.fromEntries(KIT.map((p) => [p.id, p.gmNote]))).toEqual({
      kick: 36, snare: 38, hihatClosed: 42, hihatOpen: 46, tomLow: 45, tomHigh: 50, crash: 49, ride: 51,
    });
  });
});
