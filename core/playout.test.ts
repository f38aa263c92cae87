import { describe, expect, it } from "vitest";
import { decidePlayout, MIN_SCHEDULE_LEAD_MS, PlayoutStats } from "./playout";
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
