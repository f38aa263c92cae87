import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClockSync } from "../../core/clock-sync";
import type { RecordingJson } from "../../core/http-api";
import { connect, createRoom, createRoomAsHost, join, nextEvent, sleep, startTestServer, type Client, type TestServer } from "./helpers";

const databases: [string, string | undefined][] = [["sqlite", undefined]];
if (process.env.TEST_DATABASE_URL) databases.push(["postgres", process.env.TEST_DATABASE_URL]);

describe.each(databases)("a jam through a real server (%s)", (_kind, databaseUrl) => {
  let t: TestServer;
  const sockets: Client[] = [];
  const open = async () => {
    const s = await connect(t.server.url);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startTestServer({ databaseUrl });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.stop();
  });

  it("answers health with the database status", async () => {
    const res = await fetch(`${t.server.url}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; db: { ok: boolean; kind: string } };
    expect(body.status).toBe("ok");
    expect(body.db).toMatchObject({ ok: true, kind: _kind });
  });

  it("creates a room with a readable code and 404s unknown rooms and recordings as JSON", async () => {
    const code = await createRoom(t.server.url);
    expect(code).toMatch(/^[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}$/); // 50-bit codes (core/room-code.ts)
    expect((await fetch(`${t.server.url}/api/rooms/${code}`)).status).toBe(200);
    const missing = await fetch(`${t.server.url}/api/rooms/nosuch-room-1`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe("not_found");
    const rec = await fetch(`${t.server.url}/api/recordings/doesNotExist123`);
    expect(rec.status).toBe(404);
    expect(rec.headers.get("content-type")).toContain("application/json");
    const bad = await fetch(`${t.server.url}/api/recordings/${"%00".repeat(3)}`);
    expect(bad.status).toBe(404);
  });

  it("syncs a client clock to the server within the round trip", async () => {
    const s = await open();
    const sync = new ClockSync();
    for (let i = 0; i < 10; i++) {
      const t0Ms = performance.now();
      const pong = await s.emitWithAck("sync:ping", { t0Ms });
      sync.addExchange({ ...pong, t3Ms: performance.now() });
    }
    // Same machine: the server's shared clock is performance.timeOrigin + performance.now() of its process,
    // which here is this process, so the true offset is timeOrigin.
    const est = sync.current!;
    expect(Math.abs(est.offsetMs - performance.timeOrigin)).toBeLessThanOrEqual(est.errorBoundMs + 0.5);
    expect(est.rttMs).toBeLessThan(50);
  });

  it("two players see each other, relay hits, and a recording stores every hit once", async () => {
    const code = await createRoom(t.server.url);
    const a = await open();
    const b = await open();
    await join(a, code, "player-a-0001", "Ada");
    const stateForA = nextEvent(a, "room:state");
    const roomB = await join(b, code, "player-b-0002", "Bo");
    expect(roomB.members.map((m) => m.name).sort()).toEqual(["Ada", "Bo"]);
    expect((await stateForA).members).toHaveLength(2);
    expect(new Set(roomB.members.map((m) => m.color)).size).toBe(2);

    const started = await a.emitWithAck("recording:start", {});
    expect(started.ok).toBe(true);
    const id = started.ok ? started.data.id : "";
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 random bits
    const serverNow = async () => {
      const p = await a.emitWithAck("sync:ping", { t0Ms: 0 });
      return p.t1Ms;
    };
    const base = await serverNow();

    const relayed = new Promise<number>((resolve) => {
      let n = 0;
      b.on("hit", (h) => {
        expect(h.from).toBe("player-a-0001");
        if (++n === 3) resolve(n);
      });
    });
    a.emit("hit", { seq: 1, pad: "kick", velocity: 0.9, strikeAtMs: base + 10 });
    a.emit("hit", { seq: 2, pad: "snare", velocity: 0.5, strikeAtMs: base + 160 });
    a.emit("hit", { seq: 2, pad: "snare", velocity: 0.5, strikeAtMs: base + 160 }); // re-sent: stored once
    b.emit("hit", { seq: 1, pad: "hihatClosed", velocity: 0.7, strikeAtMs: base + 85 });
    expect(await relayed).toBe(3);
    await sleep(100);

    const stopped = await b.emitWithAck("recording:stop", {});
    expect(stopped.ok).toBe(true);
    const res = await fetch(`${t.server.url}/api/recordings/${id}`);
    expect(res.status).toBe(200);
    const rec = (await res.json()) as RecordingJson;
    expect(rec.tempoBpm).toBe(100);
    expect(rec.participants.map((p) => p.name).sort()).toEqual(["Ada", "Bo"]);
    expect(rec.hits.map((h) => [h.participantId, h.seq, h.pad, h.strikeAtMs - base])).toEqual([
      ["player-a-0001", 1, "kick", 10],
      ["player-b-0002", 1, "hihatClosed", 85],
      ["player-a-0001", 2, "snare", 160],
    ]);
    expect(rec.hits[0]!.velocity).toBeCloseTo(0.9);
  });

  it("answers invalid messages with a clear error and changes nothing", async () => {
    const code = await createRoom(t.server.url);
    const a = await open();
    const b = await open();
    await join(a, code, "player-c-0003", "Cy");
    await join(b, code, "player-d-0004", "Di");
    let relayedToB = 0;
    b.on("hit", () => relayedToB++);

    const err1 = nextEvent(a, "error");
    (a as unknown as { emit: (e: string, p: unknown) => void }).emit("hit", { seq: 1, pad: "cowbell", velocity: 0.5, strikeAtMs: Date.now() });
    expect((await err1).code).toBe("invalid_message");

    const err2 = nextEvent(a, "error");
    (a as unknown as { emit: (e: string, p: unknown) => void }).emit("launch:missiles", { now: true });
    expect((await err2).code).toBe("unknown_event");

    const err3 = nextEvent(a, "error");
    a.emit("tempo:set", { tempoBpm: 9999, beatsPerBar: 4 });
    expect((await err3).message).toMatch(/tempoBpm/);

    const bad = await a.emitWithAck("join", { protocolVersion: 999, roomCode: code, participantId: "player-c-0003", name: "Cy" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("protocol_mismatch");

    const notFound = await b.emitWithAck("join", { protocolVersion: 1, roomCode: "nosuch-room-2", participantId: "player-d-0004", name: "Di" });
    expect(!notFound.ok && notFound.error.code).toBe("room_not_found");

    await sleep(100);
    expect(relayedToB).toBe(0);
    const room = await fetch(`${t.server.url}/api/rooms/${code}`).then((r) => r.json() as Promise<{ tempoBpm: number }>);
    expect(room.tempoBpm).toBe(100);
  });

  it("refuses hits from a socket that has not joined", async () => {
    const s = await open();
    const err = nextEvent(s, "error");
    s.emit("hit", { seq: 1, pad: "kick", velocity: 0.5, strikeAtMs: Date.now() });
    expect((await err).code).toBe("not_joined");
  });

  it("lets only the host change tempo and mode; tempo changes on the next bar line for everyone", async () => {
    const { code, hostToken } = await createRoomAsHost(t.server.url);
    const a = await open();
    const b = await open();
    const before = await join(a, code, "player-e-0005", "Ed", hostToken);
    expect(before.members.find((m) => m.id === "player-e-0005")?.isHost).toBe(true);
    const notHost = await b.emitWithAck("join", { protocolVersion: 1, roomCode: code, participantId: "player-f-0006", name: "Flo", hostToken: "x".repeat(32) });
    expect(notHost.ok && notHost.data.room.members.find((m) => m.id === "player-f-0006")?.isHost).toBe(false);
    const refused = await b.emitWithAck("tempo:set", { tempoBpm: 90, beatsPerBar: 4 });
    expect(!refused.ok && refused.error.code).toBe("not_host");
    const refusedMode = await b.emitWithAck("mode:set", { mode: "groove" });
    expect(!refusedMode.ok && refusedMode.error.code).toBe("not_host");
    const modeSeen = nextEvent(b, "room:state");
    expect((await a.emitWithAck("mode:set", { mode: "groove" })).ok).toBe(true);
    expect((await modeSeen).mode).toBe("groove");
    const seenByB = nextEvent(b, "room:state");
    const res = await a.emitWithAck("tempo:set", { tempoBpm: 120, beatsPerBar: 3 });
    expect(res.ok).toBe(true);
    const after = await seenByB;
    expect(after).toMatchObject({ tempoBpm: 120, beatsPerBar: 3 });
    const barMs = (60_000 / before.tempoBpm) * before.beatsPerBar;
    const bars = (after.epochMs - before.epochMs) / barMs;
    expect(Math.abs(bars - Math.round(bars))).toBeLessThan(1e-6);
    // The mode survives a reload of the room from the database.
    const stored = await t.store.getRoom(code);
    expect(stored?.mode).toBe("groove");
  });

  it("sends each listener's measurements of the others as member:quality (coalescing: room-acks-telemetry.test.ts)", async () => {
    const code = await createRoom(t.server.url);
    const a = await open();
    const b = await open();
    await join(a, code, "player-g-0007", "Gus");
    await join(b, code, "player-h-0008", "Hal");
    const seen = nextEvent(a, "member:quality");
    b.emit("quality", {
      rttMs: 12,
      clockErrorMs: 0.4,
      listening: [
        { from: "player-g-0007", delayMs: 31, oneWayMs: 22, jitterMs: 4, latePercent: 0.2, hits: 40 },
        { from: "not-in-this-room", delayMs: 1, oneWayMs: 1, jitterMs: 1, latePercent: 0, hits: 1 },
      ],
    });
    const hal = await seen;
    expect(hal).toMatchObject({ id: "player-h-0008", rttMs: 12, clockErrorMs: 0.4 });
    expect(hal.listening).toEqual([{ from: "player-g-0007", delayMs: 31, oneWayMs: 22, jitterMs: 4, latePercent: 0.2, hits: 40 }]);
  });
});
