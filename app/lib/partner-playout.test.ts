import { describe, expect, it } from "vitest";
import type { MemberView, RoomView } from "../../core/protocol";
import { memberView, roomView } from "../../test/support/views";
import { PartnerPlayouts } from "./partner-playout";

const LEAD_MS = 42 + 2.9 + 1; // headless Chromium's output path + a quantum + margin

const member = (id: string, legs: MemberView["legs"], role: MemberView["role"] = "player"): MemberView => memberView(id, { legs, role });
const room = (members: MemberView[], tempoBpm = 100): RoomView => roomView(members, { code: "brave-otter-12", tempoBpm });

const myLegs = { upP50Ms: 9, upP99Ms: 12, downP50Ms: 10, downP99Ms: 14, samples: 40 };

describe("PartnerPlayouts", () => {
  it("starts a partner's playout from their up-leg and my down-leg, so the first hit is on time", () => {
    const pp = new PartnerPlayouts("normal");
    pp.onRoom(room([member("me", null), member("sam", { upP50Ms: 8, upP99Ms: 11, downP50Ms: 9, downP99Ms: 12 })]), "me", myLegs);
    const [sam] = pp.stats("live", 2400, LEAD_MS);
    expect(sam!.priorTransitMs).toBeCloseTo(11 + 14 + 0.5, 6);
    expect(sam!.delayMs).toBeCloseTo(11 + 14 + 0.5 + LEAD_MS + 1, 6);
    // A first hit that took 24 ms (inside the prior) is on time and leaves the delay alone.
    const d = pp.decide("sam", 10_000, 10_024, LEAD_MS, "live", 2400);
    expect(d.late).toBe(false);
    expect(d.playAtMs).toBeCloseTo(10_000 + sam!.delayMs, 6);
    expect(pp.stats("live", 2400, LEAD_MS)[0]!.delayChanges).toBe(0);
  });

  it("starts from the direct channel's prior when it is open before the first hit (the shorter path), and from the relay's again when it goes down", () => {
    const pp = new PartnerPlayouts("normal");
    pp.onRoom(room([member("me", null), member("sam", { upP50Ms: 30, upP99Ms: 45, downP50Ms: 30, downP99Ms: 45 })]), "me", { ...myLegs, downP99Ms: 50 });
    const relayPrior = 45 + 50 + 0.5;
    expect(pp.stats("live", 2400, LEAD_MS)[0]!.priorTransitMs).toBeCloseTo(relayPrior, 6);
    pp.setDirectPrior("sam", 4);
    const [sam] = pp.stats("live", 2400, LEAD_MS);
    expect(sam!.priorTransitMs).toBe(4);
    expect(sam!.delayMs).toBeCloseTo(4 + LEAD_MS + 1, 6);
    // a direct copy 3 ms after the strike: on time at the direct level
    const d = pp.decide("sam", 10_000, 10_003, LEAD_MS, "live", 2400);
    expect(d).toMatchObject({ late: false });
    expect(d.playAtMs).toBeCloseTo(10_000 + 4 + LEAD_MS + 1, 6);
    // a direct path slower than the relay is not the prior: the relay's copies come first
    pp.setDirectPrior("sam", 300);
    expect(pp.stats("live", 2400, LEAD_MS)[0]!.priorTransitMs).toBeCloseTo(relayPrior, 6);
    pp.setDirectPrior("sam", 4);
    pp.pathChanged("sam");
    expect(pp.stats("live", 2400, LEAD_MS)[0]!.priorTransitMs).toBeCloseTo(relayPrior, 6);
  });

  it("makes no prior for spectators or for a partner who has not reported legs", () => {
    const pp = new PartnerPlayouts("normal");
    pp.onRoom(room([member("me", null), member("eve", null, "spectator"), member("sam", null)]), "me", myLegs);
    const stats = pp.stats("live", 2400, LEAD_MS);
    expect(stats.map((s) => s.from)).toEqual(["sam"]);
    expect(stats[0]!.priorTransitMs).toBeNull();
  });

  it("in Groove mode judges the whole-bar slot against the audio deadline", () => {
    const pp = new PartnerPlayouts("normal");
    const barMs = 2400;
    const onTime = pp.decide("sam", 0, 30, LEAD_MS, "groove", barMs);
    expect(onTime).toMatchObject({ late: false, dueAtMs: barMs, playAtMs: barMs, delayMs: barMs });
    // A hit arriving just before its bar slot cannot be heard in time: late by what the lead lacks.
    const late = pp.decide("sam", 150, 150 + barMs - 10, LEAD_MS, "groove", barMs);
    expect(late.late).toBe(true);
    expect(late.lateByMs).toBeCloseTo(LEAD_MS - 10, 6);
    expect(late.playAtMs).toBeCloseTo(150 + barMs - 10 + LEAD_MS, 6);
  });

  it("prices every late target from the same window: safe costs at least normal, normal at least tight", () => {
    const pp = new PartnerPlayouts("normal");
    // transits 20..39 ms, then a long tail: the three targets cut it at different places
    for (let i = 0; i < 600; i++) {
      const transit = 20 + (i % 20) + (i % 97 === 0 ? 30 : 0) + (i % 53 === 0 ? 12 : 0);
      pp.decide("sam", i * 150, i * 150 + transit, LEAD_MS, "live", 2400);
    }
    const { costs } = pp.stats("live", 2400, LEAD_MS)[0]!;
    expect(costs.safe!).toBeGreaterThan(costs.normal!);
    expect(costs.normal!).toBeGreaterThan(costs.tight!);
  });
});
