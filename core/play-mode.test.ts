import { describe, expect, it } from "vitest";
import { grooveDelay, latencyBand, LIVE_MAX_ONE_WAY_MS, recommendMode } from "./play-mode";

describe("grooveDelay", () => {
  it("picks the smallest of 1, 2, 4 bars that covers the delay", () => {
    const barMs = 2400; // 4/4 at 100 BPM
    expect(grooveDelay(40, barMs)).toEqual({ bars: 1, delayMs: 2400, covered: true });
    expect(grooveDelay(2400, barMs)).toEqual({ bars: 1, delayMs: 2400, covered: true });
    expect(grooveDelay(3000, barMs)).toEqual({ bars: 2, delayMs: 4800, covered: true });
    expect(grooveDelay(5000, barMs)).toEqual({ bars: 4, delayMs: 9600, covered: true });
  });

  it("says when even four bars are not enough", () => {
    expect(grooveDelay(20_000, 2400)).toEqual({ bars: 4, delayMs: 9600, covered: false });
  });

  it("rejects a bar that is not positive", () => {
    expect(() => grooveDelay(40, 0)).toThrow(/got: 0/);
  });
});

describe("recommendMode and latencyBand", () => {
  it("recommends groove above the ensemble threshold one way, live otherwise or when unknown", () => {
    expect(recommendMode(12)).toBe("live");
    expect(recommendMode(LIVE_MAX_ONE_WAY_MS)).toBe("live");
    expect(recommendMode(45)).toBe("groove");
    expect(recommendMode(null)).toBe("live");
  });

  it("bands latency by the ensemble threshold", () => {
    expect([10, 25, 26, 50, 51].map(latencyBand)).toEqual(["good", "good", "fair", "fair", "poor"]);
    expect(latencyBand(null)).toBe("unknown");
  });
});
