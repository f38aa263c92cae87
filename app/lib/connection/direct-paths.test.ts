/**
 * Which partners get a direct channel (direct-paths.ts, docs/direct-path.md "Who uses it"): players
 * in Live mode in rooms of at most DIRECT_MAX_PLAYERS connected players, once joined; none for
 * spectators, in Groove mode, above the limit, or when blocked. Peers here never connect: only
 * the channels' existence, states and signals are looked at.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DIRECT_MAX_PLAYERS } from "../../../core/direct-path";
import type { DirectSignalMsg, MemberView, RoomView } from "../../../core/protocol";
import type { PeerLike } from "./direct-channel";
import { memberView, roomView } from "../../../test/support/views";
import { DirectPaths } from "./direct-paths";

/** a peer that never connects */
function quietPeer(): PeerLike {
  const channel = { readyState: "connecting", binaryType: "blob", close() {}, send() {} };
  return {
    remoteDescription: null,
    connectionState: "new",
    onicecandidate: null,
    onconnectionstatechange: null,
    createDataChannel: () => channel,
    createOffer: async () => ({ type: "offer", sdp: "offer" }),
    createAnswer: async () => ({ type: "answer", sdp: "answer" }),
    async setLocalDescription() {},
    async setRemoteDescription(this: { remoteDescription: unknown }, d: unknown) {
      this.remoteDescription = d;
    },
    async addIceCandidate() {},
    close() {},
  } as unknown as PeerLike;
}

const member = memberView;
const room = (members: MemberView[], mode: RoomView["mode"] = "live"): RoomView => roomView(members, { code: "brisk-otter-7k3m9q2x", mode });

const ME = "paths-b-000001";
function paths(selfId = ME) {
  const signals: DirectSignalMsg[] = [];
  const p = new DirectPaths({ selfId, createPeer: quietPeer, signal: (m) => signals.push(m), onHits: () => {}, onDown: () => {}, now: () => Date.now(), random: () => 0.5 });
  return { p, signals };
}
const partnersOf = (p: DirectPaths) => p.stats().map((s) => s.from).sort();

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DirectPaths", () => {
  it("opens one channel per partner player once joined; the smaller id offers, the other waits for the offer", async () => {
    const { p, signals } = paths();
    const view = room([member("paths-a-000001"), member(ME), member("paths-c-000001"), member("paths-fan-0001", { role: "spectator" }), member("paths-gone-001", { connected: false })]);
    p.onRoom(view);
    expect(p.stats()).toEqual([]); // not joined yet: signals could not go
    p.onJoined([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(partnersOf(p)).toEqual(["paths-a-000001", "paths-c-000001"]);
    expect(p.stateOf("paths-c-000001")).toBe("connecting"); // "paths-b…" < "paths-c…": this page offers
    expect(p.stateOf("paths-a-000001")).toBe("waiting");
    expect(signals.map((s) => [s.to, s.description?.type])).toEqual([["paths-c-000001", "offer"]]);
    p.onSignal({ from: "paths-a-000001", description: { type: "offer", sdp: "offer" } });
    await vi.advanceTimersByTimeAsync(10);
    expect(signals.map((s) => [s.to, s.description?.type])).toContainEqual(["paths-a-000001", "answer"]);
  });

  it("closes every channel in Groove mode and opens them again back in Live", async () => {
    const { p } = paths();
    const members = [member(ME), member("paths-c-000001")];
    p.onJoined([]);
    p.onRoom(room(members));
    expect(partnersOf(p)).toEqual(["paths-c-000001"]);
    p.onRoom(room(members, "groove"));
    expect(p.stats()).toEqual([]);
    p.onRoom(room(members));
    expect(partnersOf(p)).toEqual(["paths-c-000001"]);
  });

  it(`uses the relay only above ${DIRECT_MAX_PLAYERS} connected players, for a spectator, and once blocked`, () => {
    const others = (n: number) => Array.from({ length: n }, (_, i) => member(`paths-x-00000${i}`));
    const { p } = paths();
    p.onJoined([]);
    p.onRoom(room([member(ME), ...others(DIRECT_MAX_PLAYERS - 1)]));
    expect(p.stats()).toHaveLength(DIRECT_MAX_PLAYERS - 1);
    p.onRoom(room([member(ME), ...others(DIRECT_MAX_PLAYERS)]));
    expect(p.stats()).toEqual([]);
    // a fifth player who is only greyed does not count
    p.onRoom(room([member(ME), ...others(DIRECT_MAX_PLAYERS - 1), member("paths-y-000001", { connected: false })]));
    expect(p.stats()).toHaveLength(DIRECT_MAX_PLAYERS - 1);

    const fan = paths();
    fan.p.onJoined([]);
    fan.p.onRoom(room([member(ME, { role: "spectator" }), member("paths-c-000001")]));
    expect(fan.p.stats()).toEqual([]);
    fan.p.onSignal({ from: "paths-c-000001", description: { type: "offer", sdp: "offer" } });
    expect(fan.p.stats()).toEqual([]); // an offer does not make a spectator a peer

    p.block();
    p.onRoom(room([member(ME), member("paths-c-000001")]));
    expect(p.stats()).toEqual([]);
  });
});
