import { describe, expect, it } from "vitest";
import { ClockSync, sampleFromExchange } from "../clock-sync";
import { seededRng } from "../rng";
import { median, quantile, sortedAscending } from "../stats";
import {
  asymmetryFloorMs,
  link,
  PROFILE_IDS,
  PROFILES,
  relayHits,
  SIM_START_MS,
  SimClock,
  SimConnection,
  SimLink,
  streamRng,
} from "./network";

/** quantile of values in any order (core/stats.ts: the one definition) */
function quantileOf(xs: readonly number[], p: number): number {
  return quantile(sortedAscending(xs), p);
}

describe("determinism", () => {
  it("gives the same exchange trace for the same seed and a different one for another seed", () => {
    const run = (seed: number) => {
      const conn = new SimConnection(PROFILES.badWifi, seed);
      return Array.from({ length: 200 }, (_, i) => conn.exchange(SIM_START_MS + i * 100));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("gives the same hit deliveries for the same seed", () => {
    const strikes = Array.from({ length: 300 }, (_, i) => SIM_START_MS + i * 150);
    expect(relayHits(PROFILES.continental, 3, strikes)).toEqual(relayHits(PROFILES.continental, 3, strikes));
  });

  it("draws each link's k-th delay independently of when it is sent (same network for every method)", () => {
    // No route changes and no losses: the delay depends only on the draw index.
    const a = new SimLink(PROFILES.lan.up, streamRng(5, "up"));
    const b = new SimLink(PROFILES.lan.up, streamRng(5, "up"));
    for (let i = 0; i < 50; i++) {
      expect(a.ownDelayMs(SIM_START_MS + i * 10)).toBeCloseTo(b.ownDelayMs(SIM_START_MS + i * 3000), 12);
    }
  });
});

describe("SimLink", () => {
  it("delivers in send order (TCP head-of-line blocking): a spike delays the messages behind it", () => {
    const l = new SimLink(PROFILES.badWifi.up, streamRng(11, "up"));
    let prev = -Infinity;
    let blocked = 0;
    for (let i = 0; i < 5000; i++) {
      const sentAtMs = SIM_START_MS + i * 20;
      const deliveredAtMs = l.send(sentAtMs);
      expect(deliveredAtMs).toBeGreaterThanOrEqual(prev);
      expect(deliveredAtMs).toBeGreaterThanOrEqual(sentAtMs + l.baseAtMs(sentAtMs));
      if (deliveredAtMs === prev) blocked++;
      prev = deliveredAtMs;
    }
    // 5% spikes of ~200 ms with messages 20 ms apart: many messages wait behind one.
    expect(blocked).toBeGreaterThan(500);
  });

  it("refuses messages sent out of time order", () => {
    const l = new SimLink(PROFILES.lan.up, seededRng(1));
    l.send(SIM_START_MS + 10);
    expect(() => l.send(SIM_START_MS + 5)).toThrow(RangeError);
  });

  it("resends a lost message after the RTO, doubling per repeat", () => {
    const lossy = { ...link(10, 0), lossProb: 0.5, rtoMs: 200 };
    const l = new SimLink(lossy, seededRng(2));
    const delays = Array.from({ length: 400 }, (_, i) => l.ownDelayMs(SIM_START_MS + i));
    for (const d of delays) {
      // 10 ms + 200·(2^k − 1) for k losses in a row
      const resends = Math.log2((d - 10) / 200 + 1);
      expect(resends).toBeCloseTo(Math.round(resends), 9);
    }
    expect(delays.filter((d) => d > 200).length).toBeGreaterThan(150);
  });

  it("applies route changes as steps in base delay", () => {
    const l = new SimLink(PROFILES.routeChange.up, seededRng(1));
    const base = PROFILES.routeChange.up.baseMs;
    expect(l.baseAtMs(SIM_START_MS + 39_999)).toBeCloseTo(base, 9);
    expect(l.baseAtMs(SIM_START_MS + 40_000)).toBeCloseTo(base + 30, 9);
    expect(l.baseAtMs(SIM_START_MS + 80_000)).toBeCloseTo(base, 9);
  });
});

describe("profiles", () => {
  it.each(PROFILE_IDS)("%s: one-way delays match the nominal median", (id) => {
    const p = PROFILES[id];
    for (const [dir, model] of [["up", p.up], ["down", p.down]] as const) {
      // Spikes and losses are rare; without them the median is the nominal one.
      const l = new SimLink({ ...model, spikeProb: 0, lossProb: 0, routeChanges: [] }, streamRng(9, dir));
      const delays = Array.from({ length: 20_000 }, (_, i) => l.ownDelayMs(SIM_START_MS + i));
      const m = median(delays);
      expect(Math.abs(m - model.nominalMedianMs)).toBeLessThan(Math.max(0.1, 0.03 * model.nominalMedianMs));
    }
  });

  it("continental is 40±15 ms up: median 40, 5th–95th percentile spread about 30 ms", () => {
    const l = new SimLink(PROFILES.continental.up, streamRng(4, "up"));
    const delays = Array.from({ length: 40_000 }, (_, i) => l.ownDelayMs(SIM_START_MS + i));
    expect(median(delays)).toBeCloseTo(40, 0);
    expect(quantileOf(delays, 0.95) - quantileOf(delays, 0.05)).toBeGreaterThan(27);
    expect(quantileOf(delays, 0.95) - quantileOf(delays, 0.05)).toBeLessThan(33);
    // same base both ways: the asymmetry is in the queueing only
    expect(PROFILES.continental.down.baseMs).toBe(PROFILES.continental.up.baseMs);
  });

  it("bad Wi-Fi spikes about 5% of messages by ~200 ms", () => {
    const l = new SimLink({ ...PROFILES.badWifi.down, lossProb: 0 }, streamRng(4, "down"));
    const delays = Array.from({ length: 20_000 }, (_, i) => l.ownDelayMs(SIM_START_MS + i));
    const spiked = delays.filter((d) => d > 140).length / delays.length;
    expect(spiked).toBeGreaterThan(0.04);
    expect(spiked).toBeLessThan(0.06);
  });
});

describe("SimClock", () => {
  it("applies drift: +200 ppm gains 12 ms per minute against the shared clock", () => {
    const c = new SimClock({ offsetMs: 5000, driftPpm: 200 });
    expect(c.offsetAt(SIM_START_MS)).toBeCloseTo(5000, 6);
    expect(c.localAt(SIM_START_MS + 60_000) - c.localAt(SIM_START_MS)).toBeCloseTo(60_012, 6);
    expect(c.offsetAt(SIM_START_MS + 60_000)).toBeCloseTo(5000 - 12, 6);
    expect(c.trueAt(c.localAt(SIM_START_MS + 1234.5))).toBeCloseTo(SIM_START_MS + 1234.5, 6);
  });

  it("puts t0/t3 on the local clock and t1/t2 on the shared clock", () => {
    const conn = new SimConnection(PROFILES.drifting, 1);
    const e = conn.exchange(SIM_START_MS + 30_000);
    expect(e.t1Ms).toBeGreaterThan(e.sentAtMs);
    expect(e.t2Ms).toBeGreaterThanOrEqual(e.t1Ms);
    expect(e.t0Ms).toBeCloseTo(conn.clock.localAt(e.sentAtMs), 9);
    expect(e.t3Ms).toBeCloseTo(conn.clock.localAt(e.completesAtMs), 9);
  });
});

describe("what a two-way exchange can see", () => {
  it("recovers the offset on a symmetric path within the jitter", () => {
    const conn = new SimConnection(PROFILES.lan, 2);
    for (let i = 0; i < 100; i++) {
      const e = conn.exchange(SIM_START_MS + i * 60);
      const trueOffsetMs = conn.clock.offsetAt(e.sentAtMs);
      expect(Math.abs(sampleFromExchange(e).offsetMs - trueOffsetMs)).toBeLessThan(sampleFromExchange(e).rttMs / 2 + 1e-3);
    }
  });

  it("is off by half the base asymmetry on the asymmetric-base profile, for one sample and for ClockSync", () => {
    const p = PROFILES.asymmetricBase;
    expect(asymmetryFloorMs(p)).toBeCloseTo(10, 9);
    const conn = new SimConnection(p, 3);
    const sync = new ClockSync();
    const errors: number[] = [];
    for (let i = 0; i < 64; i++) {
      const e = conn.exchange(SIM_START_MS + i * 60);
      sync.addExchange(e);
      errors.push(sampleFromExchange(e).offsetMs - conn.clock.offsetAt(e.sentAtMs));
    }
    expect(median(errors)).toBeCloseTo(10, 0);
    const atMs = SIM_START_MS + 64 * 60;
    const localMs = conn.clock.localAt(atMs);
    expect(sync.toShared(localMs) - atMs).toBeCloseTo(10, 0);
  });
});
