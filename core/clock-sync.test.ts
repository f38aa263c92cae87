import { describe, expect, it } from "vitest";
import { ClockSync, nextPingDelayMs, sampleFromExchange } from "./clock-sync";
import { gaussian, seededRng } from "./rng";
import { PROFILES, SIM_START_MS, SimConnection, type ProfileId } from "./sim/network";

/**
 * The app's ping schedule on a simulated profile; returns |estimate − truth| of
 * shared time on a 20 ms grid after `fromMs`, and the final skew. Seeds here
 * are not the bench's (1–5), so these are not the numbers the bench reports.
 */
function simulate(id: ProfileId, seed: number, untilMs = 60_000, fromMs = 2_000) {
  const conn = new SimConnection(PROFILES[id], seed);
  const sync = new ClockSync();
  let n = 0;
  let pending = conn.exchange(SIM_START_MS);
  const errors: number[] = [];
  for (let t = 0; t <= untilMs; t += 20) {
    const atMs = SIM_START_MS + t;
    while (pending.completesAtMs <= atMs) {
      sync.addExchange(pending);
      n++;
      pending = conn.exchange(conn.clock.trueAt(conn.clock.localAt(pending.completesAtMs) + nextPingDelayMs(n)));
    }
    if (t >= fromMs) errors.push(Math.abs(sync.toShared(conn.clock.localAt(atMs)) - atMs));
  }
  errors.sort((a, b) => a - b);
  return { p95: errors[Math.ceil(0.95 * errors.length) - 1]!, max: errors.at(-1)!, skewPpm: sync.current!.skewPpm };
}

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
    const sync = new ClockSync({ windowMs: 10_000 });
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

  it("takes each leg's floor over the whole window: asymmetric jitter (continental) stays well under 1 ms", () => {
    for (const seed of [201, 202, 203]) {
      const r = simulate("continental", seed);
      expect(r.p95).toBeLessThan(0.6);
      expect(r.max).toBeLessThan(1.5);
    }
  });

  it("assumes no skew without drift, and finds a real 200 ppm drift", () => {
    const still = simulate("continental", 204);
    expect(Math.abs(still.skewPpm)).toBeLessThan(30);
    const drifting = simulate("drifting", 204);
    // the simulated clock runs fast, so shared − local falls by 200 µs per second
    expect(drifting.skewPpm).toBeGreaterThan(-220);
    expect(drifting.skewPpm).toBeLessThan(-180);
    expect(drifting.p95).toBeLessThan(0.8);
  });

  it("is not tilted by spikes (bad Wi-Fi)", () => {
    for (const seed of [205, 206]) expect(simulate("badWifi", seed).max).toBeLessThan(1);
  });

  it("rides through route changes without the straddling exchange's half-step error", () => {
    // base +30 ms both ways at 40 s, back at 80 s: an exchange out on one route and back on the
    // other is off by 15 ms; a mix of the old route's last exchanges by several ms.
    for (const seed of [207, 208, 209]) expect(simulate("routeChange", seed, 120_000).max).toBeLessThan(1.5);
  });

  it("needs several exchanges to accept a much shorter route, then follows it", () => {
    const sync = new ClockSync();
    const ex = (t: number, up: number, down: number) => sync.addExchange({ t0Ms: t, t1Ms: t + up, t2Ms: t + up, t3Ms: t + up + down });
    for (let t = 0; t < 10_000; t += 500) ex(t, 50 + (t % 1500) / 1000, 50 + (t % 1000) / 1000);
    expect(Math.abs(sync.current!.offsetMs)).toBeLessThan(0.5);
    // out on the old 50 ms route, back on a new 20 ms one: this lone exchange says offset = +15
    ex(10_000, 50, 20);
    expect(Math.abs(sync.current!.offsetMs)).toBeLessThan(0.5);
    for (let t = 10_500; t < 13_000; t += 500) ex(t, 20, 20);
    expect(sync.current!.rttMs).toBeCloseTo(40, 6);
    expect(Math.abs(sync.current!.offsetMs)).toBeLessThan(0.5);
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

  it("has no legs before the first exchange", () => {
    expect(new ClockSync().legs()).toBeNull();
  });

  it("splits an asymmetric link into legs whose sum is the true round trip, p99 ≥ p50", () => {
    // base 30 ms up, 10 ms down: clock sync cannot see the asymmetry (the offset is 10 ms off), but
    // it only moves delay from one leg to the other, so up + down (the playout's prior) is still right
    for (const seed of [211, 212, 213]) {
      const conn = new SimConnection(PROFILES.asymmetricBase, seed);
      const sync = new ClockSync();
      const rtts: number[] = [];
      let n = 0;
      let pending = conn.exchange(SIM_START_MS);
      while (pending.completesAtMs <= SIM_START_MS + 20_000) {
        sync.addExchange(pending);
        rtts.push(sampleFromExchange(pending).rttMs);
        n++;
        pending = conn.exchange(conn.clock.trueAt(conn.clock.localAt(pending.completesAtMs) + nextPingDelayMs(n)));
      }
      const legs = sync.legs()!;
      // the legs describe the newest exchanges
      const recent = rtts.slice(-legs.samples).sort((a, b) => a - b);
      expect(Math.abs(legs.upP50Ms + legs.downP50Ms - recent[recent.length >> 1]!)).toBeLessThan(1);
      expect(legs.upP99Ms).toBeGreaterThanOrEqual(legs.upP50Ms);
      expect(legs.downP99Ms).toBeGreaterThanOrEqual(legs.downP50Ms);
      // their high percentiles together cover the round trip's
      expect(legs.upP99Ms + legs.downP99Ms).toBeGreaterThanOrEqual(recent[Math.floor(0.9 * recent.length)]!);
    }
  });

  it("shows asymmetric queueing on the leg that has it (continental: the up-leg's tail is longer)", () => {
    const conn = new SimConnection(PROFILES.continental, 214);
    const sync = new ClockSync();
    let n = 0;
    let pending = conn.exchange(SIM_START_MS);
    while (pending.completesAtMs <= SIM_START_MS + 20_000) {
      sync.addExchange(pending);
      n++;
      pending = conn.exchange(conn.clock.trueAt(conn.clock.localAt(pending.completesAtMs) + nextPingDelayMs(n)));
    }
    const legs = sync.legs()!;
    expect(legs.upP99Ms - legs.upP50Ms).toBeGreaterThan(legs.downP99Ms - legs.downP50Ms);
  });

  it("bursts first, then re-syncs slowly", () => {
    expect(nextPingDelayMs(0)).toBeLessThan(100);
    expect(nextPingDelayMs(100)).toBeGreaterThanOrEqual(500);
  });
});
