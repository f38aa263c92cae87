/**
 * The direct path's signalling (issue 15, docs/direct-path.md) over real sockets: the server passes
 * a player's offer/answer/candidates to the one partner named, and refuses — with a reason, sending
 * nothing to anyone — for spectators, in Groove mode, above DIRECT_MAX_PLAYERS, and to anyone who is
 * not a connected player of the sender's room.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type DirectSignalMsg, type RelayedDirectSignal } from "../../core/protocol";
import { DIRECT_MAX_PLAYERS } from "../../core/direct-path";
import { connect, createRoom, createRoomAsHost, join, sleep, startTestServer, type Client, type TestServer } from "./helpers";

let srv: TestServer | null = null;
const sockets: Client[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await srv?.stop();
  srv = null;
});

async function client(): Promise<Client> {
  const s = await connect(srv!.server.url);
  sockets.push(s);
  return s;
}
/** every direct:signal the socket receives */
function signalsOf(s: Client): RelayedDirectSignal[] {
  const got: RelayedDirectSignal[] = [];
  s.on("direct:signal", (m) => got.push(m));
  return got;
}
const offer = (to: string): DirectSignalMsg => ({ to, description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } });
const candidate = { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0", sdpMLineIndex: 0 };

describe("direct:signal", () => {
  it("reaches the partner named, with the sender; ICE servers come with a player's join answer", async () => {
    const iceServers = [{ urls: "stun:stun.example.org:3478" }];
    srv = await startTestServer({ iceServers });
    const code = await createRoom(srv.server.url);
    const [ada, bo, cy] = [await client(), await client(), await client()];
    const joined = await ada.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "direct-ada-1", name: "Ada" });
    expect(joined.ok && joined.data.iceServers).toEqual(iceServers);
    await join(bo, code, "direct-bo-01", "Bo");
    await join(cy, code, "direct-cy-01", "Cy");
    const toBo = signalsOf(bo);
    const toCy = signalsOf(cy);
    expect(await ada.emitWithAck("direct:signal", offer("direct-bo-01"))).toEqual({ ok: true, data: null });
    expect(await bo.emitWithAck("direct:signal", { to: "direct-ada-1", candidates: [candidate] })).toEqual({ ok: true, data: null });
    await sleep(100);
    expect(toBo).toEqual([{ from: "direct-ada-1", description: offer("x").description }]);
    expect(toCy).toEqual([]); // nobody else hears it
  });

  it("is refused for spectators, in Groove mode, to non-members and above the size limit; nothing is passed on", async () => {
    srv = await startTestServer();
    const { code, hostToken } = await createRoomAsHost(srv.server.url);
    const other = await createRoom(srv.server.url);
    const ada = await client();
    const bo = await client();
    const fan = await client();
    const stranger = await client();
    await join(ada, code, "direct-ada-2", "Ada", hostToken);
    await join(bo, code, "direct-bo-02", "Bo");
    const fanJoin = await fan.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "direct-fan-2", name: "Fan", role: "spectator" });
    expect(fanJoin.ok && fanJoin.data.iceServers).toBeUndefined();
    await join(stranger, other, "direct-str-2", "Stranger");
    const toBo = signalsOf(bo);
    const toAda = signalsOf(ada);
    const toFan = signalsOf(fan);
    const toStranger = signalsOf(stranger);

    expect(await fan.emitWithAck("direct:signal", offer("direct-bo-02"))).toMatchObject({ ok: false, error: { code: "spectator" } });
    expect(await ada.emitWithAck("direct:signal", offer("direct-fan-2"))).toMatchObject({ ok: false, error: { code: "no_direct_path" } });
    expect(await ada.emitWithAck("direct:signal", offer("direct-str-2"))).toMatchObject({ ok: false, error: { code: "no_direct_path" } });
    expect(await stranger.emitWithAck("direct:signal", offer("direct-ada-2"))).toMatchObject({ ok: false, error: { code: "no_direct_path" } });
    expect(await ada.emitWithAck("direct:signal", offer("direct-ada-2"))).toMatchObject({ ok: false, error: { code: "no_direct_path" } });
    // invalid: neither description nor candidates
    expect(await ada.emitWithAck("direct:signal", { to: "direct-bo-02" } as DirectSignalMsg)).toMatchObject({ ok: false, error: { code: "invalid_message" } });

    expect((await ada.emitWithAck("mode:set", { mode: "groove" })).ok).toBe(true);
    expect(await ada.emitWithAck("direct:signal", offer("direct-bo-02"))).toMatchObject({ ok: false, error: { code: "no_direct_path", message: expect.stringMatching(/Groove/) } });
    expect((await ada.emitWithAck("mode:set", { mode: "live" })).ok).toBe(true);
    expect((await ada.emitWithAck("direct:signal", offer("direct-bo-02"))).ok).toBe(true);

    // one player too many: the room plays over the relay
    for (let i = 2; i < DIRECT_MAX_PLAYERS + 1; i++) await join(await client(), code, `direct-xtra-${i}`, `X${i}`);
    expect(await ada.emitWithAck("direct:signal", offer("direct-bo-02"))).toMatchObject({ ok: false, error: { code: "no_direct_path", message: expect.stringMatching(/more than 4/) } });

    await sleep(100);
    expect(toBo.length).toBe(1); // only the one Live-mode signal within the limit
    expect([toAda, toFan, toStranger]).toEqual([[], [], []]);
  });
});
