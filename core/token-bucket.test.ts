import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket";

/** A fake clock: tests move time by hand. */
function fakeClock(startMs = 1_000_000) {
  let t = startMs;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TokenBucket", () => {
  it("starts full and allows a burst of exactly `capacity`", () => {
    const clock = fakeClock();
    const b = new TokenBucket(60, 40, clock.now());
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (b.take(1, clock.now())) allowed++;
    expect(allowed).toBe(60);
    expect(b.take(1, clock.now())).toBe(false);
  });

  it("refills at refillPerSecond, fractionally", () => {
    const clock = fakeClock();
    const b = new TokenBucket(10, 4, clock.now());
    for (let i = 0; i < 10; i++) expect(b.take(1, clock.now())).toBe(true);
    clock.advance(200); // 0.8 tokens
    expect(b.take(1, clock.now())).toBe(false);
    clock.advance(50); // 1.0 token
    expect(b.take(1, clock.now())).toBe(true);
    expect(b.take(1, clock.now())).toBe(false);
    clock.advance(1000);
    expect(b.available(clock.now())).toBeCloseTo(4, 9);
  });

  it("never exceeds capacity after a long idle period", () => {
    const clock = fakeClock();
    const b = new TokenBucket(5, 100, clock.now());
    clock.advance(3_600_000);
    expect(b.available(clock.now())).toBe(5);
    let allowed = 0;
    for (let i = 0; i < 10; i++) if (b.take(1, clock.now())) allowed++;
    expect(allowed).toBe(5);
  });

  it("sustains the refill rate over a long run (a 30 hits/s roll under a 40/s budget is never limited)", () => {
    const clock = fakeClock();
    const b = new TokenBucket(60, 40, clock.now());
    for (let i = 0; i < 30 * 120; i++) {
      clock.advance(1000 / 30);
      expect(b.take(1, clock.now())).toBe(true);
    }
  });

  it("limits a sustained flood to burst + rate × time", () => {
    const clock = fakeClock();
    const b = new TokenBucket(60, 40, clock.now());
    let allowed = 0;
    // 1000 messages per second for 10 s
    for (let i = 0; i < 10_000; i++) {
      if (b.take(1, clock.now())) allowed++;
      clock.advance(1);
    }
    expect(allowed).toBeGreaterThanOrEqual(60 + 40 * 10 - 1);
    expect(allowed).toBeLessThanOrEqual(60 + 40 * 10);
  });

  it("takes n tokens at once, or none", () => {
    const clock = fakeClock();
    const b = new TokenBucket(10, 1, clock.now());
    expect(b.take(7, clock.now())).toBe(true);
    expect(b.take(4, clock.now())).toBe(false);
    expect(b.available(clock.now())).toBe(3);
    expect(b.take(11, clock.now() + 1e9)).toBe(false); // more than capacity: never
    expect(b.take(0, clock.now())).toBe(true);
    expect(b.take(-1, clock.now())).toBe(false);
    expect(b.take(Number.NaN, clock.now())).toBe(false);
  });

  it("ignores a clock that goes backwards or reads NaN", () => {
    const clock = fakeClock();
    const b = new TokenBucket(2, 10, clock.now());
    b.take(2, clock.now());
    expect(b.take(1, clock.now() - 10_000)).toBe(false);
    expect(b.take(1, Number.NaN)).toBe(false);
    clock.advance(100); // measured from the last good reading: 1 token
    expect(b.take(1, clock.now())).toBe(true);
    expect(b.take(1, clock.now())).toBe(false);
  });

  it("reports the wait until n tokens", () => {
    const clock = fakeClock();
    const b = new TokenBucket(5, 5, clock.now());
    b.take(5, clock.now());
    expect(b.msUntil(1, clock.now())).toBeCloseTo(200, 9);
    expect(b.msUntil(6, clock.now())).toBe(Number.POSITIVE_INFINITY);
    expect(new TokenBucket(1, 0, 0).msUntil(2, 0)).toBe(Number.POSITIVE_INFINITY);
    clock.advance(200);
    expect(b.msUntil(1, clock.now())).toBe(0);
  });

  it("rejects nonsense parameters", () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, -1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, Number.NaN, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 1, Number.NaN)).toThrow(RangeError);
  });
});
