import { describe, expect, it } from "vitest";
import { computeCalibration } from "./calibration";
import { gaussian, seededRng } from "./rng";

const clicks = Array.from({ length: 16 }, (_, i) => 1000 + i * 500);

describe("calibration", () => {
  it("takes the median offset of consistent taps, robust to one wild tap", () => {
    const rng = seededRng(2);
    const taps = clicks.slice(2).map((c) => c + 35 + gaussian(rng) * 4);
    taps[5] = clicks[7]! + 180; // one wild tap
    const r = computeCalibration(clicks, taps);
    expect(r.accepted).toBe(true);
    expect(r.offsetMs!).toBeGreaterThan(32);
    expect(r.offsetMs!).toBeLessThan(38);
  });

  it("rejects inconsistent taps and says why", () => {
    const rng = seededRng(3);
    const taps = clicks.slice(2).map((c) => c + gaussian(rng) * 60);
    const r = computeCalibration(clicks, taps);
    expect(r.accepted).toBe(false);
    expect(r.reason).toMatch(/uneven/);
  });

  it("rejects too few taps and ignores stray ones far from any click", () => {
    const r = computeCalibration(clicks, [clicks[3]! + 10, clicks[4]! + 250, clicks[5]! + 12]);
    expect(r.accepted).toBe(false);
    expect(r.taps).toBe(2);
    expect(r.reason).toMatch(/need 8/);
  });
});
