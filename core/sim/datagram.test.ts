import { describe, expect, it } from "vitest";
import { median } from "../stats";
import { DIRECT_ROUTE_FRACTION, directHits, directRoute, LossEpisodes, SimDatagramLink, type DatagramRouteModel } from "./datagram";
import { link, PROFILES, relayHits, SIM_START_MS, streamRng } from "./network";

const lossy = (lossProb: number, meanBurstMs: number, base: Partial<DatagramRouteModel> = {}): DatagramRouteModel => ({
  baseMs: 20,
  jitters: [],
  spikes: [],
  loss: { lossProb, meanBurstMs },
  routeChanges: [],
  ...base,
});

describe("LossEpisodes", () => {
  it("loses the stated share of packets, in bursts of about the stated length", () => {
    const episodes = new LossEpisodes({ lossProb: 0.02, meanBurstMs: 20 }, streamRng(1, "loss"), SIM_START_MS);
    let lost = 0;
    let lostAfterLost = 0;
    let prev = false;
    const n = 2_000_000;
    for (let i = 0; i < n; i++) {
      const l = episodes.lostAt(SIM_START_MS + i); // one packet a millisecond
      if (l) lost++;
      if (l && prev) lostAfterLost++;
      prev = l;
    }
    expect(lost / n).toBeGreaterThan(0.015);
    expect(lost / n).toBeLessThan(0.025);
    // 1 ms apart inside a 20 ms episode: the next packet is lost too ~95% of the time
    expect(lostAfterLost / lost).toBeGreaterThan(0.9);
  });

  it("never loses with lossProb 0 and refuses impossible models", () => {
    const none = new LossEpisodes({ lossProb: 0, meanBurstMs: 20 }, streamRng(1, "loss"), 0);
    for (let t = 0; t < 1e5; t += 7) expect(none.lostAt(t)).toBe(false);
    expect(() => new LossEpisodes({ lossProb: 1, meanBurstMs: 20 }, streamRng(1, "x"), 0)).toThrow("lossProb must be within [0, 1), got: 1");
    expect(() => new LossEpisodes({ lossProb: 0.1, meanBurstMs: 0 }, streamRng(1, "x"), 0)).toThrow("meanBurstMs must be > 0");
  });
});

describe("SimDatagramLink", () => {
  it("has no head-of-line blocking: a spiked packet does not hold back the next one", () => {
    const route = lossy(0, 20, { spikes: [{ prob: 0.2, ms: 200 }] });
    const l = new SimDatagramLink(route, streamRng(3, "d"), streamRng(3, "l"));
    const arrivals = Array.from({ length: 500 }, (_, i) => l.send(SIM_START_MS + i * 10)!);
    const overtaken = arrivals.filter((a, i) => i > 0 && a < arrivals[i - 1]!).length;
    expect(overtaken).toBeGreaterThan(20);
    // while TCP would deliver in order
    const tcp = relayHits({ ...PROFILES.lan, up: link(10, 0, { spikeProb: 0.2, spikeMs: 200 }) }, 3, arrivals.map((_, i) => SIM_START_MS + i * 10));
    expect(tcp.every((d, i) => i === 0 || d.arrivalAtMs >= tcp[i - 1]!.arrivalAtMs)).toBe(true);
  });

  it("is deterministic per seed and draws the same delays whether or not packets are lost", () => {
    const run = (route: DatagramRouteModel, seed: number) => {
      const l = new SimDatagramLink(route, streamRng(seed, "d"), streamRng(seed, "l"));
      return Array.from({ length: 300 }, (_, i) => l.send(SIM_START_MS + i * 37));
    };
    const jittery = { jitters: [PROFILES.continental.up.jitter] };
    expect(run(lossy(0.1, 20, jittery), 5)).toEqual(run(lossy(0.1, 20, jittery), 5));
    expect(run(lossy(0.1, 20, jittery), 5)).not.toEqual(run(lossy(0.1, 20, jittery), 6));
    const all = run(lossy(0, 20, jittery), 5);
    run(lossy(0.1, 20, jittery), 5).forEach((a, i) => {
      if (a !== null) expect(a).toBe(all[i]);
    });
  });
});

describe("directRoute", () => {
  it("is a quarter shorter than the relay's two legs and carries both links' jitter", () => {
    const p = PROFILES.continental;
    const route = directRoute(p);
    expect(route.baseMs).toBeCloseTo(DIRECT_ROUTE_FRACTION * (p.up.baseMs + p.down.baseMs), 9);
    expect(route.jitters).toHaveLength(2);
    expect(route.loss.lossProb).toBeCloseTo(0.0005 + 0.0005 - 0.0005 ** 2, 12);
    const strikes = Array.from({ length: 4000 }, (_, i) => SIM_START_MS + i * 30);
    const direct = directHits(p, 1, strikes, { redundancy: 0 });
    const relay = relayHits(p, 1, strikes);
    const directMs = median(direct.map((c) => c.arrivalAtMs - c.strikeAtMs));
    const relayMs = median(relay.map((d) => d.arrivalAtMs - d.strikeAtMs));
    expect(directMs).toBeLessThan(relayMs - 15);
    expect(directMs).toBeGreaterThan(0.7 * relayMs);
  });

  it("scales route changes like the base", () => {
    const route = directRoute(PROFILES.routeChange);
    const l = new SimDatagramLink(route, streamRng(1, "d"), streamRng(1, "l"));
    expect(l.baseAtMs(SIM_START_MS + 50_000) - l.baseAtMs(SIM_START_MS)).toBeCloseTo(DIRECT_ROUTE_FRACTION * 60, 9);
    expect(l.baseAtMs(SIM_START_MS + 90_000)).toBeCloseTo(l.baseAtMs(SIM_START_MS), 9);
  });
});

describe("directHits: redundancy instead of retransmission", () => {
  const route = lossy(0.05, 5);
  // hits 30 ms apart: a 5 ms episode takes one packet, the next packet carries its hit again
  const strikes = Array.from({ length: 5000 }, (_, i) => SIM_START_MS + i * 30);
  const delivered = (redundancy: number) => new Set(directHits(PROFILES.lan, 9, strikes, { redundancy, route, queues: "independent" }).map((c) => c.index)).size;

  it("loses a hit only when its packet and the repeats' packets are all lost", () => {
    const none = strikes.length - delivered(0);
    const three = strikes.length - delivered(3);
    expect(none).toBeGreaterThan(100);
    expect(three).toBeLessThan(none / 20);
  });

  it("marks repeats, which arrive with the later hit's packet", () => {
    const copies = directHits(PROFILES.lan, 9, strikes.slice(0, 10), { redundancy: 3, route: lossy(0, 5), queues: "independent" });
    expect(copies.filter((c) => !c.repeat).map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const repeat = copies.find((c) => c.repeat && c.index === 0)!;
    expect(repeat.arrivalAtMs - repeat.strikeAtMs).toBeCloseTo(20 + 30, 9);
  });
});

describe("directHits: queueing shared with the relay's legs", () => {
  const strikes = Array.from({ length: 3000 }, (_, i) => SIM_START_MS + i * 50);

  it("by default meets the same queues as the relay's copy of each hit, on a shorter route", () => {
    const p = PROFILES.badWifi;
    const relay = relayHits({ ...p, up: { ...p.up, lossProb: 0 }, down: { ...p.down, lossProb: 0 } }, 4, strikes);
    const direct = directHits({ ...p, up: { ...p.up, lossProb: 0 }, down: { ...p.down, lossProb: 0 } }, 4, strikes, { redundancy: 0 });
    expect(direct).toHaveLength(strikes.length);
    // without loss or head-of-line blocking in the relay's way, direct = relay − the detour − server time, hit by hit
    const saved = direct.map((d, i) => relay[i]!.arrivalAtMs - d.arrivalAtMs);
    const detourMs = (1 - DIRECT_ROUTE_FRACTION) * (p.up.baseMs + p.down.baseMs);
    const unblocked = saved.filter((_, i) => i === 0 || relay[i]!.arrivalAtMs > relay[i - 1]!.arrivalAtMs + 1e-9);
    expect(Math.min(...unblocked)).toBeGreaterThanOrEqual(detourMs - 1e-6);
    expect(median(unblocked)).toBeLessThan(detourMs + 0.3);
  });

  it("draws its own queueing when asked for independent queues", () => {
    const p = PROFILES.continental;
    const shared = directHits(p, 4, strikes, { redundancy: 0 });
    const own = directHits(p, 4, strikes, { redundancy: 0, queues: "independent" });
    expect(own.map((c) => c.arrivalAtMs)).not.toEqual(shared.map((c) => c.arrivalAtMs));
    const m = (xs: typeof own) => median(xs.map((c) => c.arrivalAtMs - c.strikeAtMs));
    expect(Math.abs(m(own) - m(shared))).toBeLessThan(2);
  });
});
