import { describe, expect, it } from "vitest";
import { ClockSync, nextPingDelayMs, sampleFromExchange } from "./clock-sync";
import { gaussian, seededRng } from "./rng";

/** One simulated exchange: true offset, symmetric base delay, one-sided queueing jitter. */
function exchange(rng: () => number, atLocalMs: number, trueOffsetMs: number, baseMs: number, jitterMs: number) {
  const up = baseMs + Math.abs(gaussian(rng)) * jitterMs;
  const down = baseMs + Math.abs(gaussian(rng)) * jitterMs;
  const t0Ms = atLocalMs;
  const t1Ms = t0Ms + up + trueOffsetMs;
  const t2Ms = t1Ms + 0.05;
  const t3Ms = t2Ms - trueOffsetMs + down;
  return { t0Ms, t1Ms, t2Ms, t3Ms };
}

describe("sampleFromExchange", () => {
  it("recovers offset and round trip exactly on a symmetric path", () => {
    const s = sampleFromExchange({ t0Ms: 1000, t1Ms: 5010, t2Ms: 5011, t3Ms: 1021 });
    expect(s.rttMs).toBe(20);
    expect(s.offsetMs).toBe(4000);
  });

  it("is off by half the asymmetry on an asymmetric path (the known floor)", () => {
    // up 30 ms, down 10 ms, true offset 0
    const s = sampleFromExchange({ t0Ms: 0, t1Ms: 30, t2Ms: 30, t3Ms: 40 });
    expect(s.offsetMs).toBe(10);
  });
});

describe("ClockSync", () => {
  it("converges within a millisecond under heavy one-sided jitter where a single ping does not", () => {
    const rng = seededRng(42);
    const sync = new ClockSync();
    const trueOffsetMs = 123_456.789;
    let firstError = 0;
    for (let i = 0; i < 24; i++) {
      const est = sync.addExchange(exchange(rng, i * 60, trueOffsetMs, 20, 15));
      if (i === 0) firstError = Math.abs(est.offsetMs - trueOffsetMs);
    }
    const err = Math.abs(sync.current!.offsetMs - trueOffsetMs);
    expect(err).toBeLessThan(1);
    expect(err).toBeLessThan(firstError);
    expect(sync.current!.errorBoundMs).toBeGreaterThanOrEqual(20); // the honest hard bound stays rtt/2
  });

  it("follows a changed offset once old exchanges leave the time window", () => {
    const rng = seededRng(7);
    const sync = new ClockSync({ windowMs: 10_000, bucketMs: 1_000 });
    for (let t = 0; t < 10_000; t += 250) sync.addExchange(exchange(rng, t, 0, 5, 1));
    for (let t = 10_000; t < 25_000; t += 250) sync.addExchange(exchange(rng, t, 50, 5, 1));
    expect(Math.abs(sync.offsetAt(25_000) - 50)).toBeLessThan(1);
  });

  it("estimates drift (200 ppm) and extrapolates the offset between exchanges", () => {
    const rng = seededRng(11);
    const sync = new ClockSync();
    const driftPpm = 200;
    // true offset(t) = 1000 + 200e-6 · t
    for (let t = 0; t < 40_000; t += 500) sync.addExchange(exchange(rng, t, 1000 + driftPpm * 1e-6 * t, 20, 8));
    expect(sync.current!.skewPpm).toBeGreaterThan(150);
    expect(sync.current!.skewPpm).toBeLessThan(250);
    const later = 42_000;
    expect(Math.abs(sync.offsetAt(later) - (1000 + driftPpm * 1e-6 * later))).toBeLessThan(1);
  });

  it("beats the best single exchange when no exchange is fast both ways", () => {
    const rng = seededRng(5);
    const sync = new ClockSync();
    let bestSingle = { rttMs: Infinity, offsetMs: 0 };
    for (let t = 0; t < 2_000; t += 50) {
      const e = exchange(rng, t, 0, 40, 15);
      const s = sampleFromExchange(e);
      if (s.rttMs < bestSingle.rttMs) bestSingle = s;
      sync.addExchange(e);
    }
    expect(Math.abs(sync.offsetAt(2_000))).toBeLessThan(Math.abs(bestSingle.offsetMs));
    expect(Math.abs(sync.offsetAt(2_000))).toBeLessThan(1.5);
  });

  it("maps between local and shared time with the estimate", () => {
    const sync = new ClockSync();
    expect(sync.toShared(10)).toBe(10);
    sync.addExchange({ t0Ms: 0, t1Ms: 105, t2Ms: 105, t3Ms: 10 });
    expect(sync.toShared(10)).toBe(110);
    expect(sync.toLocal(110)).toBe(10);
  });

  it("rejects non-finite samples loudly", () => {
    const sync = new ClockSync();
    expect(() => sync.addSample({ atLocalMs: 0, offsetMs: Number.NaN, rttMs: 1, upMs: 0, downMs: 1 })).toThrow(/finite/);
  });

  it("bursts first, then re-syncs slowly", () => {
    expect(nextPingDelayMs(0)).toBeLessThan(100);
    expect(nextPingDelayMs(100)).toBeGreaterThanOrEqual(500);
  });
});
