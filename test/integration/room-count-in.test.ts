/**
 * A count-in is part of the recording (issue 14, defect 8): the recording starts at the count-in
 * bar, `barOneAtMs` marks bar 1, and a fill struck during the count-in is relayed, stored and
 * acked like any hit — and lands in the first bar of the MIDI export, the music's bar 1 in the
 * second. In memory on a FakeClock (test/support/room-harness.ts): no sleeps.
 */
import { afterEach, describe, expect, it } from "vitest";
import { barMs } from "../../core/metronome";
import { Midi } from "@tonejs/midi";
import { MIDI_TICKS_PER_QUARTER, recordingToMidi, tempoMap, tickAt } from "../../core/midi";
import { recordingGrid } from "../../core/timeline";
import { CHANGE_LEAD_MS } from "../../server/room/transport";
import { ACK_INTERVAL_MS } from "../../server/room/writer";
import { RoomHarness } from "../support/room-harness";

let h: RoomHarness;
afterEach(async () => {
  await h.stop();
});

describe("count-in", () => {
  it("records the count-in bar: a fill into bar 1 is stored, and exports begin with the count-in bar", async () => {
    h = await RoomHarness.start();
    const { code } = await h.createRoom({ tempoBpm: 120, beatsPerBar: 4 });
    const a = h.connect();
    const b = h.connect();
    const joined = await a.join(code, "count-ada-001", "Ada");
    await b.join(code, "count-bo-0002", "Bo");
    const bar = barMs(joined); // 2 s at 120 BPM in 4/4

    const requestedAtMs = h.clock.now();
    const started = await a.do("recording:start", { countIn: true });
    if (!started.ok) throw new Error(started.error.message);
    const view = a.last("room:state")!.recording!;
    // one whole count-in bar on the room's grid, starting far enough ahead for every page's first click
    expect(view.barOneAtMs - view.startedAtMs).toBe(bar);
    expect(view.startedAtMs).toBeGreaterThanOrEqual(requestedAtMs + CHANGE_LEAD_MS);
    expect((view.startedAtMs - joined.epochMs) % bar).toBe(0);
    expect(view.startedAtMs - requestedAtMs).toBeLessThanOrEqual(CHANGE_LEAD_MS + bar);

    // before the count-in bar: not recorded (acked at once, nothing to store)
    a.do("hit", { seq: 1, pad: "ride", velocity: 0.5, strikeAtMs: view.startedAtMs - 10 });
    // the fill during the count-in (the last beat's 16ths), then bar 1's downbeat
    await h.clock.advanceTo(view.startedAtMs + 0.75 * bar);
    const fill = [0.75, 0.8125, 0.875, 0.9375].map((f, i) => ({ seq: 2 + i, pad: "snare" as const, velocity: 0.8, strikeAtMs: view.startedAtMs + f * bar }));
    for (const hit of fill) a.do("hit", hit);
    await h.clock.advanceTo(view.barOneAtMs + 5);
    a.do("hit", { seq: 6, pad: "kick", velocity: 1, strikeAtMs: view.barOneAtMs });
    expect(b.received("hit").map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6]); // everything relayed

    await h.flush();
    await h.clock.advance(ACK_INTERVAL_MS);
    expect(a.received("hits:ack").flatMap((x) => x.seqs).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    await h.clock.advance(bar);
    const stopped = await a.do("recording:stop", {});
    if (!stopped.ok) throw new Error(stopped.error.message);
    const rec = (await h.store.getRecording(stopped.data.id))!;
    expect(rec.startedAtMs).toBe(view.startedAtMs);
    expect(rec.hits.map((x) => x.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(rec.barOneAtMs).toBe(view.barOneAtMs); // stored: exports mark bar 1

    // MIDI (core/midi.ts): the count-in is the file's first bar, so the fill is in it and bar 1's kick starts the second
    const map = tempoMap(recordingGrid(rec));
    const ticksPerBar = MIDI_TICKS_PER_QUARTER * 4;
    const ticks = rec.hits.map((x) => tickAt(map, x.strikeAtMs - rec.startedAtMs));
    expect(ticks).toEqual([0.75, 0.8125, 0.875, 0.9375, 1].map((f) => f * ticksPerBar));
    const markers = new Midi(recordingToMidi(rec)).header.meta.filter((m) => m.type === "marker");
    expect(markers.map((m) => [m.text, m.ticks])).toEqual([
      ["Count-in", 0],
      ["Bar 1", ticksPerBar],
    ]);
  });

  it("without a count-in, bar 1 is the start", async () => {
    h = await RoomHarness.start();
    const { code } = await h.createRoom();
    const a = h.connect();
    await a.join(code, "count-cy-0003", "Cy");
    const started = await a.do("recording:start", {});
    expect(started.ok).toBe(true);
    const view = a.last("room:state")!.recording!;
    expect(view.barOneAtMs).toBe(view.startedAtMs);
    expect(view.startedAtMs).toBe(h.clock.now());
    const stopped = await a.do("recording:stop", {});
    if (!stopped.ok) throw new Error(stopped.error.message);
    expect((await h.store.getRecording(stopped.data.id))!.barOneAtMs).toBeNull();
  });

  it("stopped before the count-in bar began: an empty recording of no length", async () => {
    h = await RoomHarness.start();
    const { code } = await h.createRoom();
    const a = h.connect();
    await a.join(code, "count-di-0004", "Di");
    expect((await a.do("recording:start", { countIn: true })).ok).toBe(true);
    const view = a.last("room:state")!.recording!;
    const stopped = await a.do("recording:stop", {});
    if (!stopped.ok) throw new Error(stopped.error.message);
    const rec = (await h.store.getRecording(stopped.data.id))!;
    expect(rec.endedAtMs).toBe(view.startedAtMs);
    expect(rec.hits).toEqual([]);
  });
});
