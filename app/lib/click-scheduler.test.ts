import { describe, expect, it } from "vitest";
import type { RoomView } from "../../core/protocol";
import { BeatQueue } from "./beat-queue";
import { ClickScheduler, SCHEDULE_AHEAD_MS } from "./click-scheduler";

const room = { tempoBpm: 120, beatsPerBar: 4, beatUnit: 4, epochMs: 0, groove: "none" } as RoomView;
const toAudio = (ms: number) => ms / 1000;

function setup() {
  const clicks: number[] = [];
  const beats = new BeatQueue();
  const s = new ClickScheduler({ playClick: (t) => clicks.push(t * 1000), playHit: () => undefined }, beats);
  s.onRoom(room, 0);
  return { s, clicks, beats };
}

describe("ClickScheduler count-in", () => {
  it("clicks and numbers the count-in bar whatever the metronome, and only that bar", () => {
    const { s, clicks, beats } = setup();
    const countIn = { fromMs: 2_000, barOneAtMs: 4_000 }; // bar 2 at 120 BPM in 4/4
    for (let now = 1_000; now < 5_000; now += 25) s.tick(now, 20, { metronomeOn: false, backingOn: false, countIn }, toAudio);
    expect(clicks.map(Math.round)).toEqual([2_000, 2_500, 3_000, 3_500]);
    expect([...beats.between(2_000, 4_000)].map((b) => b.count)).toEqual([4, 3, 2, 1]);
    expect(beats.latest((b) => b.atMs, 4_500)!.count).toBeNull();
  });

  it("a count-in learnt after its first beat was handed still numbers it, and clicks it while it can be heard on time", () => {
    const { s, clicks, beats } = setup();
    const off = { metronomeOn: false, backingOn: false, countIn: null };
    // handed up to 1_840 + 20 + SCHEDULE_AHEAD_MS: beat 2_000 is already in the queue, unclicked
    s.tick(1_840, 20, off, toAudio);
    expect([...beats.between(2_000, 2_001)]).toHaveLength(1);
    expect(1_840 + 20 + SCHEDULE_AHEAD_MS).toBeGreaterThan(2_000);
    s.tick(1_865, 20, { ...off, countIn: { fromMs: 2_000, barOneAtMs: 4_000 } }, toAudio);
    expect(clicks.map(Math.round)).toEqual([2_000]);
    expect([...beats.between(2_000, 2_001)][0]!.count).toBe(4);
  });
});
