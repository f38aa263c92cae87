import { describe, expect, it } from "vitest";
import { TapTempo } from "./tap-tempo";

describe("TapTempo", () => {
  it("needs three taps, then gives the median tempo, robust to one sloppy tap", () => {
    const t = new TapTempo();
    expect(t.tap(0)).toBeNull();
    expect(t.tap(500)).toBeNull();
    expect(t.tap(1000)).toBe(120);
    expect(t.tap(1560)).toBe(120); // one sloppy tap (560 ms)
    expect(t.tap(2060)).toBe(120);
  });

  it("starts over after a pause and clamps to 40–240 BPM", () => {
    const t = new TapTempo();
    t.tap(0);
    t.tap(500);
    t.tap(1000);
    expect(t.tap(5000)).toBeNull();
    expect(t.count).toBe(1);
    const fast = new TapTempo();
    [0, 100, 200, 300].forEach((ms) => fast.tap(ms));
    expect(fast.tap(400)).toBe(240);
  });
});
