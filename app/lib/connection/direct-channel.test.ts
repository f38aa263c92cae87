/**
 * One pair's direct channel (direct-channel.ts) in Node, on fake timers, with a fake peer pair:
 * a "network" that opens both data channels once both descriptions are set and a candidate has
 * crossed, and that can drop every packet (a stall) or never connect (no route).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeDirectPacket } from "../../../core/direct-packet";
import type { DirectSignalMsg, RelayedDirectSignal } from "../../../core/protocol";
import { FakeNetwork } from "../../../test/support/fake-peers";
import { DirectChannel, OPEN_TIMEOUT_MS, RETRY_MAX_MS, type DirectState } from "./direct-channel";

const ADA = "direct-aaaa-01";
const BO = "direct-bbbb-02";

/** clockMs: how far each side's local clock reads from the (fake) true time: Ada's, Bo's */
function pair(net: FakeNetwork, random = () => 0.5, clockMs: [number, number] = [0, 0]) {
  const states: Record<string, [DirectState, string | null][]> = { [ADA]: [], [BO]: [] };
  const packets: Record<string, unknown[]> = { [ADA]: [], [BO]: [] };
  const signals: DirectSignalMsg[] = [];
  const chans: Record<string, DirectChannel> = {};
  const make = (self: string, partner: string, side: number) =>
    new DirectChannel({
      selfId: self,
      partnerId: partner,
      iceServers: [],
      createPeer: net.factory(side),
      signal: (msg) => {
        signals.push(msg);
        const relayed: RelayedDirectSignal = { from: self, description: msg.description, candidates: msg.candidates };
        setTimeout(() => chans[msg.to]!.onSignal(relayed), 1); // through the server
      },
      onPacket: (d) => packets[self]!.push(d),
      onStateChange: (s, r) => states[self]!.push([s, r]),
      now: () => Date.now() + clockMs[side]!,
      random,
    });
  chans[ADA] = make(ADA, BO, 0);
  chans[BO] = make(BO, ADA, 1);
  return { ada: chans[ADA]!, bo: chans[BO]!, states, packets, signals };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DirectChannel", () => {
  it("the smaller id offers, the other answers; the channel opens, carries hit packets and measures its round trip", async () => {
    const net = new FakeNetwork();
    const { ada, bo, packets, signals } = pair(net);
    expect([ada.offerer, bo.offerer]).toEqual([true, false]);
    ada.start();
    bo.start();
    await vi.advanceTimersByTimeAsync(100);
    expect([ada.state, bo.state]).toEqual(["open", "open"]);
    expect(signals.filter((s) => s.description).map((s) => [s.to, s.description!.type])).toEqual([
      [BO, "offer"],
      [ADA, "answer"],
    ]);
    expect(net.peers[0]!.channel!.init).toEqual({ negotiated: true, id: 0, ordered: false, maxRetransmits: 0 });
    const packet = encodeDirectPacket([{ seq: 1, pad: "kick", velocity: 1, strikeAtMs: 5 }]);
    expect(ada.send(packet)).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(packets[BO]).toHaveLength(1); // the pings are not handed on
    expect(new Uint8Array(packets[BO]![0] as ArrayBuffer)).toEqual(packet);
    expect(ada.stats().rttMs).toBe(6); // 3 ms each way on the fake network
    expect(bo.stats().rttMs).toBe(6);
    expect([ada.state, bo.state]).toEqual(["open", "open"]); // pings keep it from stalling
  });

  it("tells the two pages' clocks apart from the pongs' stamps (core/peer-clock.ts)", async () => {
    const net = new FakeNetwork();
    // Ada's page has been open 2.5 ms longer than the truth, Bo's 1.25 ms less (performance.now's origins)
    const { ada, bo } = pair(net, () => 0.5, [2.5, -1.25]);
    expect(ada.clockOffsetMs).toBeNull();
    ada.start();
    bo.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ada.clockOffsetMs).toBeCloseTo(-3.75, 9); // Bo's − Ada's (equal legs on the fake network: exact)
    expect(ada.stats().rttMs).toBe(6); // the round trip is on one clock: unaffected
    expect(bo.clockOffsetMs).toBeCloseTo(3.75, 9);
    expect(ada.stats().clockOffsetMs).toBeCloseTo(-3.75, 9);
  });

  it("a stall (every packet lost) tears both sides down; the offerer tries again after its back-off and it opens again", async () => {
    const net = new FakeNetwork();
    const { ada, bo, states } = pair(net);
    ada.start();
    bo.start();
    await vi.advanceTimersByTimeAsync(100);
    net.dropping = true;
    await vi.advanceTimersByTimeAsync(1_300);
    expect(states[ADA]!.at(-1)).toEqual(["waiting", "stall"]);
    expect(bo.state).toBe("waiting");
    expect(ada.send(encodeDirectPacket([{ seq: 2, pad: "kick", velocity: 1, strikeAtMs: 5 }]))).toBe(false);
    expect(ada.stats().retryInMs).toBeGreaterThan(1_500); // 2 s × (0.5 + 0.5)
    net.dropping = false;
    await vi.advanceTimersByTimeAsync(2_100);
    expect([ada.state, bo.state]).toEqual(["open", "open"]);
    expect(ada.stats()).toMatchObject({ opens: 2, downs: 1, lastDown: "stall" });
  });

  it("a channel closed mid-jam (breakNow) goes down on both sides and comes back", async () => {
    const net = new FakeNetwork();
    const { ada, bo, states } = pair(net);
    ada.start();
    bo.start();
    await vi.advanceTimersByTimeAsync(100);
    ada.breakNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(states[ADA]!.at(-1)).toEqual(["waiting", "closed"]);
    expect(states[BO]!.at(-1)).toEqual(["waiting", "closed"]);
    await vi.advanceTimersByTimeAsync(2_200);
    expect([ada.state, bo.state]).toEqual(["open", "open"]);
  });

  it("no route: it times out after OPEN_TIMEOUT_MS and retries with a back-off doubling from 2 s to 60 s", async () => {
    const net = new FakeNetwork();
    net.noRoute = true;
    const { ada, bo, signals } = pair(net);
    ada.start();
    bo.start();
    const offersAt: number[] = [];
    let seen = 0;
    for (let t = 0; t < 400_000; t += 500) {
      await vi.advanceTimersByTimeAsync(500);
      const offers = signals.filter((s) => s.description?.type === "offer").length;
      if (offers > seen) offersAt.push(t);
      seen = offers;
    }
    const gaps = offersAt.slice(1).map((t, i) => t - offersAt[i]!);
    // each gap: the open timeout, then the back-off (random 0.5: exactly its base)
    const backoffs = gaps.map((g) => Math.round((g - OPEN_TIMEOUT_MS) / 1000) * 1000);
    expect(backoffs.slice(0, 7)).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, RETRY_MAX_MS, RETRY_MAX_MS]);
    expect(ada.stats().lastDown).toBe("timeout");
    expect(bo.state).not.toBe("open");
  });

  it("close() is for good: nothing retries", async () => {
    const net = new FakeNetwork();
    const { ada, bo, signals } = pair(net);
    ada.start();
    bo.start();
    await vi.advanceTimersByTimeAsync(100);
    ada.close();
    const before = signals.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ada.state).toBe("closed");
    expect(signals.length).toBe(before);
  });
});
