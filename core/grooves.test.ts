import { describe, expect, it } from "vitest";
import { grooveHitsInWindow } from "./grooves";

const grid = { tempoBpm: 120, beatsPerBar: 4, epochMs: 0 };

describe("backing grooves", () => {
  it("plays a rock bar: kick on 1 and 3(+), snare on 2 and 4, eighth hats", () => {
    const bar = grooveHitsInWindow("rock", grid, 0, 2000);
    const at = (pad: string) => bar.filter((h) => h.pad === pad).map((h) => h.atMs);
    expect(at("snare")).toEqual([500, 1500]);
    expect(at("kick")).toEqual([0, 1000, 1250]);
    expect(at("hihatClosed")).toHaveLength(8);
  });

  it("is the same whichever windows a client schedules it in", () => {
    const whole = grooveHitsInWindow("funk", grid, 1000, 5000);
    const parts = [...grooveHitsInWindow("funk", grid, 1000, 2345), ...grooveHitsInWindow("funk", grid, 2345, 5000)];
    expect(parts).toEqual(whole);
  });

  it("follows 3/4 and 6/8 bars, and none is silent", () => {
    const waltz = grooveHitsInWindow("rock", { ...grid, beatsPerBar: 3 }, 0, 1500);
    expect(waltz.filter((h) => h.pad === "snare").map((h) => h.atMs)).toEqual([500]); // the 4/4 bar cut to three beats
    const six8 = grooveHitsInWindow("rock", { tempoBpm: 180, beatsPerBar: 6, beatUnit: 8, epochMs: 0 }, 0, 2000);
    expect(six8.filter((h) => h.pad === "snare").map((h) => Math.round(h.atMs))).toEqual([1000]);
    expect(grooveHitsInWindow("none", grid, 0, 10_000)).toEqual([]);
  });
});
