import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordingJson } from "../../core/protocol";
import { connect, createRoomAsHost, join, nextEvent, sleep, startTestServer, type Client, type TestServer } from "./helpers";

describe("people in the room and battles (sqlite)", () => {
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

  it("runs a battle: turns on the shared clock, hits scored per turn, reactions as votes, result saved with the recording", async () => {
    const { code, hostToken } = await createRoomAsHost(t.server.url);
    const a = await open();
    const b = await open();
    const fan = await open();
    await join(a, code, "battle-ada01", "Ada", hostToken);
    await join(b, code, "battle-bo002", "Bo");
    await fan.emitWithAck("join", { protocolVersion: 1, roomCode: code, participantId: "battle-fan03", name: "Fan", role: "spectator" });
    // Fast tempo keeps the test short: a bar is 1 s at 240 BPM in 4/4.
    expect((await a.emitWithAck("tempo:set", { tempoBpm: 240, beatsPerBar: 4 })).ok).toBe(true);
    await sleep(1300); // let the new tempo take over at its bar line
    const rec = await a.emitWithAck("recording:start", {});
    if (!rec.ok) throw new Error(rec.error.message);
    const tooFew = await (await open()).emitWithAck("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    expect(tooFew.ok).toBe(false);
    const started = await a.emitWithAck("battle:start", { barsPerTurn: 2, rounds: 1, subdivision: 16 });
    if (!started.ok) throw new Error(started.error.message);
    const startAtMs = started.data.startAtMs;
    const stepMs = 62.5; // 16ths at 240 BPM
    const now = async () => (await a.emitWithAck("sync:ping", { t0Ms: 0 })).t1Ms;
    const waitUntil = async (atMs: number) => {
      const d = atMs - (await now());
      if (d > 0) await sleep(d);
    };
    // Ada's turn (first 2 s): tight 8ths. Bo plays during Ada's turn too: not scored for him.
    await waitUntil(startAtMs + 50);
    for (let i = 0; i < 8; i++) a.emit("hit", { seq: 10 + i, pad: "snare", velocity: 0.6, strikeAtMs: startAtMs + i * 2 * stepMs + 3 });
    b.emit("hit", { seq: 50, pad: "kick", velocity: 1, strikeAtMs: startAtMs + 100 });
    fan.emit("react", { emoji: "👏" });
    fan.emit("react", { emoji: "🔥" }); // a second reaction in the same turn is not a second vote
    // Bo's turn: looser.
    await waitUntil(startAtMs + 2000 + 50);
    for (let i = 0; i < 8; i++) b.emit("hit", { seq: 60 + i, pad: "tomLow", velocity: 0.9, strikeAtMs: startAtMs + 2000 + i * 2 * stepMs + (i % 2 ? 25 : 2) });
    fan.emit("react", { emoji: "🔥" });
    a.emit("react", { emoji: "😮" });
    // Result after the end (+1.5 s).
    let result = null as null | NonNullable<Awaited<ReturnType<typeof nextEvent<"room:state">>>["battle"]>["result"];
    const deadline = Date.now() + 8000;
    while (!result && Date.now() < deadline) {
      const st = await nextEvent(a, "room:state", 8000);
      result = st.battle?.result ?? null;
    }
    expect(result).not.toBeNull();
    const ada = result!.turns.find((x) => x.player === "battle-ada01")!;
    const bo = result!.turns.find((x) => x.player === "battle-bo002")!;
    expect(ada.hits).toBe(8);
    expect(ada.medianOffsetMs).toBeCloseTo(3, 6);
    expect(ada.spreadMs).toBeCloseTo(0, 6);
    expect(bo.hits).toBe(8);
    expect(bo.spreadMs!).toBeGreaterThan(20);
    expect(result!.players.find((p) => p.player === "battle-ada01")!.votes).toBe(1);
    expect(result!.players.find((p) => p.player === "battle-bo002")!.votes).toBe(2);
    expect(result!.winner).toBe("battle-bo002");
    await a.emitWithAck("recording:stop", {});
    await sleep(200);
    const stored = (await (await fetch(`${t.server.url}/api/recordings/${rec.data.id}`)).json()) as RecordingJson;
    expect(stored.battles).toHaveLength(1);
    expect(stored.battles[0]!.result.winner).toBe("battle-bo002");
  }, 30_000);
});
