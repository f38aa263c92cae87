import { describe, expect, it } from "vitest";
import { BeatQueue, type ScheduledBeat } from "./beat-queue";

const beat = (atMs: number): ScheduledBeat => ({ atMs, audioTime: atMs / 1000 + 0.05, inBar: 0, beatsPerBar: 4, beatUnit: 4, tempoBpm: 120, count: null, clicked: true });

describe("BeatQueue", () => {
  const q = new BeatQueue();
  for (const t of [0, 500, 1000, 1500]) q.push(beat(t));

  it("latest: the last beat at or before now", () => {
    expect(q.latest((b) => b.atMs, -1)).toBeNull();
    expect(q.latest((b) => b.atMs, 500)!.atMs).toBe(500);
    expect(q.latest((b) => b.atMs, 999)!.atMs).toBe(500);
    expect(q.latest((b) => b.audioTime, 1.06)!.atMs).toBe(1000);
  });

  it("next: the first beat after now, null when none is handed yet", () => {
    expect(q.next((b) => b.atMs, -1)!.atMs).toBe(0);
    expect(q.next((b) => b.atMs, 500)!.atMs).toBe(1000);
    expect(q.next((b) => b.atMs, 999)!.atMs).toBe(1000);
    expect(q.next((b) => b.audioTime, 1.04)!.atMs).toBe(1000);
    expect(q.next((b) => b.atMs, 1500)).toBeNull();
  });
});
