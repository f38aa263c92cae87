import { describe, expect, it } from "vitest";
import { beatMs, beatsInWindow, gridOffsetMs, nextBarLineMs, subdivisionMs } from "./metronome";

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

describe("meters and subdivisions", () => {
  it("accents beats 1 and 4 of 6/8", () => {
    const g68 = { tempoBpm: 180, beatsPerBar: 6, beatUnit: 8, epochMs: 0 };
    const beats = beatsInWindow(g68, 0, (60_000 / 180) * 6);
    expect(beats.map((b) => b.accent)).toEqual([true, false, false, true, false, false]);
    expect(beats.map((b) => b.downbeat)).toEqual([true, false, false, false, false, false]);
    expect(beatsInWindow(grid, 0, 600 * 4).every((b) => b.accent === b.downbeat)).toBe(true);
  });

  it("measures offsets from the nearest grid line of a subdivision", () => {
    expect(subdivisionMs(grid, 16)).toBe(150); // 16ths at 100 BPM in 4/4
    expect(subdivisionMs({ ...grid, beatUnit: 8 }, 16)).toBe(300); // 16ths when the beat is an eighth
    expect(gridOffsetMs(grid, 16, 1000 + 150 * 3 + 12)).toBeCloseTo(12);
    expect(gridOffsetMs(grid, 16, 1000 + 150 * 3 - 20)).toBeCloseTo(-20);
    expect(gridOffsetMs(grid, 4, 1000 - 600 + 5)).toBeCloseTo(5);
  });
});
