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
    expect(sync.current!.errorBoundMs).toBeGreaterThanOrEqual(20);
  });

  it("follows a changed offset once old exchanges leave the window", () => {
    const rng = seededRng(7);
    const sync = new ClockSync({ windowSize: 16, bestCount: 3 });
    for (let i = 0; i < 16; i++) sync.addExchange(exchange(rng, i * 60, 0, 5, 1));
    for (let i = 0; i < 16; i++) sync.addExchange(exchange(rng, 1000 + i * 60, 50, 5, 1));
    expect(Math.abs(sync.current!.offsetMs - 50)).toBeLessThan(1);
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
    expect(() => sync.addSample({ atLocalMs: 0, offsetMs: Number.NaN, rttMs: 1 })).toThrow(/finite/);
  });

  it("bursts first, then re-syncs slowly", () => {
    expect(nextPingDelayMs(0)).toBeLessThan(100);
    expect(nextPingDelayMs(100)).toBeGreaterThanOrEqual(1000);
  });
});
