import { describe, expect, it } from "vitest";
import { legsMoved, qualityChanged } from "./telemetry";

const base = { rttMs: 10, clockErrorMs: 0.5, listening: [], legs: { upP50Ms: 5, upP99Ms: 9, downP50Ms: 5, downP99Ms: 9 } };

describe("what counts as a telemetry change", () => {
  it("rtt by ≥ 1 ms, clock error, listening, or a leg by ≥ 2 ms; the first report always", () => {
    expect(qualityChanged({ ...base, rttMs: null }, base)).toBe(true);
    expect(qualityChanged(base, { ...base, rttMs: 10.9 })).toBe(false);
    expect(qualityChanged(base, { ...base, rttMs: 11 })).toBe(true);
    expect(qualityChanged(base, { ...base, clockErrorMs: 0.6 })).toBe(true);
    expect(qualityChanged(base, { ...base, listening: [{ from: "x", delayMs: 1, oneWayMs: 1, jitterMs: 1, latePercent: 0, hits: 1 }] })).toBe(true);
    expect(qualityChanged(base, { ...base, legs: { ...base.legs, upP99Ms: 10.9 } })).toBe(false);
    expect(legsMoved(base.legs, { ...base.legs, downP50Ms: 7 })).toBe(true);
    expect(legsMoved(null, base.legs)).toBe(true);
    expect(legsMoved(null, null)).toBe(false);
  });
});
