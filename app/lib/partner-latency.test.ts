import { describe, expect, it } from "vitest";
import { farPartners, LIVE_MAX_ONE_WAY_MS, latencySummary, partnerOneWay } from "./partner-latency";

describe("partnerOneWay", () => {
  it("prefers the figure measured from their hits", () => {
    expect(partnerOneWay(41, 10, 20)).toEqual({ ms: 41, estimated: false });
  });
  it("estimates from both round trips before any hit", () => {
    expect(partnerOneWay(null, 6, 120)).toEqual({ ms: 63, estimated: true });
    expect(partnerOneWay(undefined, null, 120)).toEqual({ ms: null, estimated: true });
  });
});

describe("latencySummary", () => {
  it("says a far partner is too far for Live and what Groove does", () => {
    expect(latencySummary("Sam", { ms: 63.4, estimated: false }, "live", null)).toBe("Sam: 63 ms away — too far for Live; Groove plays Sam one bar later");
  });
  it("says a near partner is fine for Live", () => {
    expect(latencySummary("Ada", { ms: 12, estimated: true }, "live", null)).toBe("Ada: 12 ms away — close enough for Live");
  });
  it("the threshold is Live's: at it still Live, above it Groove", () => {
    expect(latencySummary("A", { ms: LIVE_MAX_ONE_WAY_MS, estimated: false }, "live", null)).toMatch(/close enough for Live/);
    expect(latencySummary("A", { ms: LIVE_MAX_ONE_WAY_MS + 1, estimated: false }, "live", null)).toMatch(/too far for Live/);
  });
  it("in Groove, names the bars actually used", () => {
    expect(latencySummary("Sam", { ms: 180, estimated: false }, "groove", 2)).toBe("Sam: 180 ms away — Groove plays Sam two bars later, beat 1 on your beat 1");
  });
  it("says when it does not know yet", () => {
    expect(latencySummary("Sam", { ms: null, estimated: true }, "live", null)).toBe("Sam: measuring the distance…");
  });
});

describe("farPartners", () => {
  it("lists those beyond the live threshold, farthest first", () => {
    const ps = [
      { name: "near", oneWay: { ms: 10, estimated: false } },
      { name: "far", oneWay: { ms: 45, estimated: true } },
      { name: "farther", oneWay: { ms: 90, estimated: false } },
      { name: "unknown", oneWay: { ms: null, estimated: true } },
    ];
    expect(farPartners(ps).map((p) => p.name)).toEqual(["farther", "far"]);
  });
});
