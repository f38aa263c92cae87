import { describe, expect, it } from "vitest";
import { AdaptivePlayout, decidePlayout, grooveDelay, latencyBand, MIN_SCHEDULE_LEAD_MS, PlayoutStats, recommendMode } from "./playout";
import { gaussian, seededRng } from "./rng";

describe("decidePlayout", () => {
  it("schedules an on-time hit at strike time + delay", () => {
    const d = decidePlayout(1000, 120, 1050);
    expect(d).toEqual({ dueAtMs: 1120, playAtMs: 1120, late: false, lateByMs: 0 });
  });

  it("plays a hit that missed its slot at once and counts it late", () => {
    const d = decidePlayout(1000, 120, 1200);
    expect(d.late).toBe(true);
    expect(d.playAtMs).toBe(1200);
    expect(d.lateByMs).toBe(1200 + MIN_SCHEDULE_LEAD_MS - 1120);
  });

  it("keeps the rhythm intact: jittered arrivals still sound at the original spacing", () => {
    const rng = seededRng(3);
    const stats = new PlayoutStats();
    const strikes = Array.from({ length: 200 }, (_, i) => 10_000 + i * 150); // 16ths at 100 BPM
    const sounds: number[] = [];
    for (const s of strikes) {
      const arrival = s + 30 + Math.abs(gaussian(rng)) * 10; // 30 ms ± jitter
      const d = decidePlayout(s, 120, arrival);
      stats.record(d);
      sounds.push(d.playAtMs);
    }
    expect(stats.late).toBe(0);
    for (let i = 1; i < sounds.length; i++) expect(sounds[i]! - sounds[i - 1]!).toBeCloseTo(150, 9);
  });

  it("reports the late percentage", () => {
    const stats = new PlayoutStats();
    stats.record(decidePlayout(0, 10, 0));
    stats.record(decidePlayout(0, 10, 100));
    expect(stats.latePercent).toBe(50);
  });
});

describe("AdaptivePlayout", () => {
  const IOI_MS = 150; // 16th notes at 100 BPM

  function run(transit: (i: number) => number, n: number, p = new AdaptivePlayout()) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const strike = 10_000 + i * IOI_MS;
      out.push({ strike, ...p.onArrival(strike, strike + transit(i)) });
    }
    return { p, out };
  }

  it("keeps late hits at or below 0.5% and the delay near the needed percentile", () => {
    const rng = seededRng(9);
    const transits: number[] = [];
    const { out } = run((i) => (transits[i] = 30 + Math.abs(gaussian(rng)) * 8), 4000);
    const settled = out.slice(800);
    const late = settled.filter((d) => d.late).length / settled.length;
    expect(late).toBeLessThanOrEqual(0.005);
    const sorted = transits.slice().sort((a, b) => a - b);
    const p995 = sorted[Math.floor(0.995 * sorted.length)]!;
    const meanDelay = settled.reduce((s, d) => s + d.delayMs, 0) / settled.length;
    expect(Math.abs(meanDelay - p995)).toBeLessThan(5);
  });

  it("grows at once when a jitter burst starts, without reordering scheduled hits", () => {
    const { out } = run((i) => (i < 300 ? 20 : 60), 400);
    expect(out[299]!.delayMs).toBeLessThan(25);
    expect(out[301]!.delayMs).toBeGreaterThanOrEqual(60);
    for (let i = 1; i < out.length; i++) {
      if (!out[i]!.late && !out[i - 1]!.late) expect(out[i]!.playAtMs).toBeGreaterThan(out[i - 1]!.playAtMs);
    }
  });

  it("shrinks slowly, so the spacing of consecutive hits changes by at most 2 ms per second", () => {
    const { out } = run((i) => (i < 50 ? 80 : 20), 1500);
    for (let i = 51; i < out.length; i++) {
      const ioi = out[i]!.playAtMs - out[i - 1]!.playAtMs;
      expect(Math.abs(ioi - IOI_MS)).toBeLessThanOrEqual((2 * IOI_MS) / 1000 + 1e-9);
    }
    // …but it does come down once the window has forgotten the slow start.
    expect(out.at(-1)!.delayMs).toBeLessThan(30);
  });

  it("plays a slightly late hit at once and skips a very late one", () => {
    const p = new AdaptivePlayout({ skipLateAfterMs: 50, windowSize: 1000 });
    for (let i = 0; i < 500; i++) p.onArrival(i * 150, i * 150 + 20);
    const slightly = p.onArrival(500 * 150, 500 * 150 + 40);
    expect(slightly.late).toBe(true);
    expect(slightly.skipped).toBe(false);
    const very = p.onArrival(501 * 150, 501 * 150 + 300);
    expect(very.late).toBe(true);
    expect(very.skipped).toBe(true);
    expect(p.skipped).toBe(1);
  });

  it("reports transit statistics", () => {
    const { p } = run(() => 25, 10);
    expect(p.transit).toMatchObject({ p50Ms: 25, jitterMs: 0, samples: 10 });
  });
});

describe("groove mode and recommendations", () => {
  it("picks the smallest of 1, 2, 4 bars that covers the delay", () => {
    const barMs = 2400; // 4/4 at 100 BPM
    expect(grooveDelay(40, barMs)).toEqual({ bars: 1, delayMs: 2400, covered: true });
    expect(grooveDelay(3000, barMs)).toEqual({ bars: 2, delayMs: 4800, covered: true });
    expect(grooveDelay(5000, barMs)).toEqual({ bars: 4, delayMs: 9600, covered: true });
    expect(grooveDelay(20_000, barMs).covered).toBe(false);
  });

  it("recommends groove above ~30 ms one way and bands latency by the ensemble threshold", () => {
    expect(recommendMode(12)).toBe("live");
    expect(recommendMode(45)).toBe("groove");
    expect(recommendMode(null)).toBe("live");
    expect([10, 25, 26, 50, 51].map(latencyBand)).toEqual(["good", "good", "fair", "fair", "poor"]);
  });
});
