import { describe, expect, it } from "vitest";
import type { QualityReportMsg } from "../../../core/protocol";
import { sameReport, steadyReport } from "./quality-report";

const report = (rttMs: number, delayMs: number, hits: number, jitterMs: number | null = 1.2): QualityReportMsg => ({
  rttMs,
  clockErrorMs: 0.3,
  listening: [{ from: "bo-000002", delayMs, oneWayMs: 10.4, jitterMs, latePercent: 0.2, hits }],
  legs: { upP50Ms: 5.1, upP99Ms: 7.3, downP50Ms: 5.2, downP99Ms: 8.8 },
});

describe("steadyReport", () => {
  it("the first report goes as measured", () => {
    expect(steadyReport(null, report(12.3, 40.1, 5))).toEqual(report(12.3, 40.1, 5));
  });

  it("noise below each figure's step repeats the last report exactly, hits included", () => {
    const sent = report(12.3, 40.1, 50);
    const next = steadyReport(sent, { ...report(13.1, 40.8, 60, 1.9), clockErrorMs: 0.6 });
    expect(next).toEqual(sent);
    expect(sameReport(sent, next)).toBe(true);
  });

  it("a figure that moved is sent anew, with that partner's current hit count", () => {
    const sent = report(12.3, 40.1, 50);
    const next = steadyReport(sent, report(12.9, 42.0, 60));
    expect(next.rttMs).toBe(12.3);
    expect(next.listening![0]).toMatchObject({ delayMs: 42.0, hits: 60 });
    expect(sameReport(sent, next)).toBe(false);
  });

  it("a new partner, or a figure becoming known is news; a growing hit count alone is not", () => {
    const sent = report(12.3, 40.1, 50);
    expect(steadyReport(sent, report(12.3, 40.1, 500)).listening![0]!.hits).toBe(50);
    const withNew = { ...report(12.3, 40.1, 50), listening: [...report(12.3, 40.1, 50).listening!, { from: "cy-000003", delayMs: 30, oneWayMs: null, jitterMs: null, latePercent: 0, hits: 0 }] };
    expect(sameReport(sent, steadyReport(sent, withNew))).toBe(false);
    const unknownJitter = report(12.3, 40.1, 50, null);
    expect(steadyReport(unknownJitter, report(12.3, 40.1, 50, 1.2)).listening![0]!.jitterMs).toBe(1.2);
  });
});
