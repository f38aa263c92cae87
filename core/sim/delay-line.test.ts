import { describe, expect, it } from "vitest";
import { seededRng } from "../rng";
import { DelayLine, deriveSeed, sampleDelayMs, scheduleDeliveries } from "./delay-line";

const SPEC = { baseMs: 30, jitterMs: 10 };

describe("sampleDelayMs", () => {
  it("stays within base ± jitter and centres on base", () => {
    const rng = seededRng(7);
    const xs = Array.from({ length: 20_000 }, () => sampleDelayMs(SPEC, rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...xs)).toBeLessThanOrEqual(40);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(30, 0);
    // sd = jitter / 2 before the clip, a little less after it
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(sd).toBeGreaterThan(4.3);
    expect(sd).toBeLessThan(5);
  });

  it("is exactly base without jitter and never negative", () => {
    const rng = seededRng(1);
    expect(sampleDelayMs({ baseMs: 12, jitterMs: 0 }, rng)).toBe(12);
    for (let i = 0; i < 1000; i++) expect(sampleDelayMs({ baseMs: 1, jitterMs: 10 }, rng)).toBeGreaterThanOrEqual(0);
  });
});

describe("DelayLine", () => {
  it("never delivers a chunk before an earlier one (order preserved, like TCP)", () => {
    // Chunks 1 ms apart with ±10 ms jitter: many would overtake if delivered at their own due time.
    const arrivals = Array.from({ length: 2000 }, (_, i) => i);
    const ds = scheduleDeliveries(arrivals, SPEC, 42);
    let overtakesAvoided = 0;
    for (let i = 1; i < ds.length; i++) {
      expect(ds[i]!.deliverAtMs).toBeGreaterThanOrEqual(ds[i - 1]!.deliverAtMs);
      if (ds[i]!.dueMs < ds[i - 1]!.deliverAtMs) overtakesAvoided++;
    }
    expect(overtakesAvoided).toBeGreaterThan(100);
    for (const d of ds) {
      // never early, and held back only by its predecessor
      expect(d.deliverAtMs).toBeGreaterThanOrEqual(d.dueMs);
      expect(d.dueMs - d.arrivalMs).toBeGreaterThanOrEqual(20);
      expect(d.dueMs - d.arrivalMs).toBeLessThanOrEqual(40);
    }
  });

  it("delivers sparse chunks at exactly their own due time", () => {
    // 150 ms apart ≫ 2 × jitter: nothing can be held back
    const ds = scheduleDeliveries(Array.from({ length: 100 }, (_, i) => 1000 + i * 150), SPEC, 3);
    for (const d of ds) expect(d.deliverAtMs).toBe(d.dueMs);
  });

  it("repeats exactly for a seed and differs between seeds", () => {
    const arrivals = Array.from({ length: 50 }, (_, i) => i * 7);
    expect(scheduleDeliveries(arrivals, SPEC, 9)).toEqual(scheduleDeliveries(arrivals, SPEC, 9));
    const a = scheduleDeliveries(arrivals, SPEC, 9).map((d) => d.dueMs);
    const b = scheduleDeliveries(arrivals, SPEC, 10).map((d) => d.dueMs);
    expect(a).not.toEqual(b);
  });

  it("treats an arrival clock that steps back as arriving with the previous chunk", () => {
    const line = new DelayLine({ baseMs: 5, jitterMs: 0 }, seededRng(1));
    expect(line.schedule(100).deliverAtMs).toBe(105);
    expect(line.schedule(99).deliverAtMs).toBe(105);
  });

  it("rejects nonsense specs and arrivals", () => {
    expect(() => new DelayLine({ baseMs: -1, jitterMs: 0 }, seededRng(1))).toThrow(/baseMs/);
    expect(() => new DelayLine({ baseMs: 1, jitterMs: Number.NaN }, seededRng(1))).toThrow(/jitterMs/);
    expect(() => new DelayLine(SPEC, seededRng(1)).schedule(Number.POSITIVE_INFINITY)).toThrow(/arrivalMs/);
  });
});

describe("deriveSeed", () => {
  it("is deterministic and separates connections and directions", () => {
    expect(deriveSeed(1, 0, 0)).toBe(deriveSeed(1, 0, 0));
    const seeds = new Set<number>();
    for (let conn = 0; conn < 100; conn++) for (let dir = 0; dir < 2; dir++) seeds.add(deriveSeed(1, conn, dir));
    expect(seeds.size).toBe(200);
    expect(deriveSeed(1, 0, 0)).not.toBe(deriveSeed(2, 0, 0));
  });
});
