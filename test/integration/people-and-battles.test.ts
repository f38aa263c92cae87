import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, createRoomAsHost, join, nextEvent, startTestServer, type Client, type TestServer } from "./helpers";

describe("people in the room (sqlite, real sockets)", () => {
  let t: TestServer;
  const sockets: Client[] = [];
  const open = async () => {
    const s = await connect(t.server.url);
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.stop();
  });

  it("spectators listen and react but cannot play; the host can remove someone; Leave removes you", async () => {
    const { code, hostToken } = await createRoomAsHost(t.server.url);
    const host = await open();
    const fan = await open();
    const guest = await open();
    await join(host, code, "host-000001", "Host", hostToken);
    const joined = await fan.emitWithAck("join", { protocolVersion: 1, roomCode: code, participantId: "fan-0000001", name: "Fan", role: "spectator" });
    expect(joined.ok && joined.data.room.members.find((m) => m.id === "fan-0000001")?.role).toBe("spectator");
    const err = nextEvent(fan, "error");
    fan.emit("hit", { seq: 1, pad: "kick", velocity: 1, strikeAtMs: Date.now() });
    expect((await err).code).toBe("spectator");
    const reaction = nextEvent(host, "reaction");
    fan.emit("react", { emoji: "🔥" });
    expect(await reaction).toMatchObject({ from: "fan-0000001", emoji: "🔥" });

    await join(guest, code, "guest-00001", "Guest");
    const refused = await guest.emitWithAck("member:kick", { id: "fan-0000001" });
    expect(!refused.ok && refused.error.code).toBe("not_host");
    const kickedMsg = nextEvent(guest, "error");
    expect((await host.emitWithAck("member:kick", { id: "guest-00001" })).ok).toBe(true);
    expect((await kickedMsg).code).toBe("kicked");
    const again = await open();
    const back = await again.emitWithAck("join", { protocolVersion: 1, roomCode: code, participantId: "guest-00001", name: "Guest" });
    expect(!back.ok && back.error.code).toBe("kicked");

    const seen = nextEvent(host, "room:state");
    expect((await fan.emitWithAck("leave", {})).ok).toBe(true);
    expect((await seen).members.map((m) => m.id)).toEqual(["host-000001"]);
  });

  it("changes meter and backing groove on the next bar line", async () => {
    const { code, hostToken } = await createRoomAsHost(t.server.url);
    const host = await open();
    await join(host, code, "host-000002", "Host", hostToken);
    const state = nextEvent(host, "room:state");
    expect((await host.emitWithAck("tempo:set", { tempoBpm: 150, beatsPerBar: 6, beatUnit: 8, groove: "funk" })).ok).toBe(true);
    expect(await state).toMatchObject({ tempoBpm: 150, beatsPerBar: 6, beatUnit: 8, groove: "funk" });
    expect(await t.store.getRoom(code)).toMatchObject({ beatUnit: 8, groove: "funk" });
  });
  // The battle itself runs in memory on a fake clock: test/integration/room-battle.test.ts.
});
