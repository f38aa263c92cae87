import { describe, expect, it } from "vitest";
import { beatMs, beatsInWindow, nextBarLineMs } from "./metronome";

const grid = { tempoBpm: 100, beatsPerBar: 4, epochMs: 1000 };

describe("metronome maths", () => {
  it("derives the beat length from the tempo", () => {
    expect(beatMs(100)).toBe(600);
    expect(() => beatMs(0)).toThrow(/got: 0/);
  });

  it("lists beats in a half-open window with downbeats every bar", () => {
    const beats = beatsInWindow(grid, 1000, 1000 + 600 * 5);
    expect(beats.map((b) => b.atMs)).toEqual([1000, 1600, 2200, 2800, 3400]);
    expect(beats.map((b) => b.downbeat)).toEqual([true, false, false, false, true]);
  });

  it("handles beats before the epoch (negative indices) consistently", () => {
    const beats = beatsInWindow(grid, 1000 - 600 * 4, 1000);
    expect(beats[0]!.downbeat).toBe(true);
    expect(beats.length).toBe(4);
  });

  it("two clients computing independent windows agree on every beat", () => {
    const a = beatsInWindow(grid, 5000, 9000).map((b) => b.atMs);
    const b = [...beatsInWindow(grid, 5000, 7000), ...beatsInWindow(grid, 7000, 9000)].map((x) => x.atMs);
    expect(b).toEqual(a);
  });

  it("finds the next bar line", () => {
    expect(nextBarLineMs(grid, 1000)).toBe(3400);
    expect(nextBarLineMs(grid, 3399)).toBe(3400);
    expect(nextBarLineMs(grid, 3400)).toBe(5800);
  });
});
