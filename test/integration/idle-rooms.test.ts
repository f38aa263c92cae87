/**
 * Idle rooms leave memory (issue 12): a room nobody is connected to is dropped
 * from the server's room map after the idle timeout (on an injected clock) or,
 * with 0, as soon as its last member leaves; its state stays in the database, so
 * a later join finds it as it was. Real server, real sockets, SQLite.
 */
import { afterAll, describe, expect, it } from "vitest";
import { seededRng } from "../../core/rng";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import { LIFTED_CONNECTION_LIMITS } from "../../server/connection-limits";
import { openStore } from "../../server/storage";
import { connect, createRoomAsHost, join, sleep, tempSqliteUrl, type Client } from "./helpers";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function start(roomIdleMs: number, now: () => number): Promise<BackbeatServer> {
  const tmp = tempSqliteUrl();
  const store = await openStore(tmp.url);
  const server = await startBackbeatServer({
    store,
    port: 0,
    host: "127.0.0.1",
    rng: seededRng(21),
    log: () => undefined,
    now,
    roomIdleMs,
    // dozens of rooms and sockets from 127.0.0.1
    rateLimits: { connections: LIFTED_CONNECTION_LIMITS },
  });
  stops.push(async () => {
    await server.close();
    await store.close();
    tmp.cleanup();
  });
  return server;
}

/** Closes the sockets and waits until the server has seen them go. */
async function closeAll(server: BackbeatServer, sockets: Client[]): Promise<void> {
  for (const s of sockets) s.close();
  for (let i = 0; i < 500 && server.rooms.connectionCount > 0; i++) await sleep(10);
  expect(server.rooms.connectionCount).toBe(0);
}

describe("idle rooms leave memory", () => {
  it("after the idle timeout on the injected clock; a later join finds the room's state in the database", async () => {
    let offsetMs = 0;
    const now = () => 1_800_000_000_000 + offsetMs;
    const server = await start(60_000, now);
    const rooms = await Promise.all(Array.from({ length: 20 }, () => createRoomAsHost(server.url)));
    const sockets: Client[] = [];
    for (const [i, r] of rooms.entries()) {
      const host = await connect(server.url);
      const guest = await connect(server.url);
      sockets.push(host, guest);
      await join(host, r.code, `host-${String(i).padStart(6, "0")}`, "Host", r.hostToken);
      await join(guest, r.code, `guest-${String(i).padStart(5, "0")}`, "Guest");
    }
    const tempo = await sockets[0]!.emitWithAck("tempo:set", { tempoBpm: 133, beatsPerBar: 7 });
    expect(tempo.ok).toBe(true);
    expect(server.rooms.roomCount).toBe(20);

    offsetMs += 120_000; // a room with members is never idle, however long
    expect(server.rooms.evictIdleRooms()).toBe(0);

    // everyone leaves: one room by the Leave button, the others by closing the tab
    expect((await sockets[0]!.emitWithAck("leave", {})).ok).toBe(true);
    expect((await sockets[1]!.emitWithAck("leave", {})).ok).toBe(true);
    await closeAll(server, sockets);
    expect(server.rooms.roomCount).toBe(20); // kept for reconnects...
    offsetMs += 59_999;
    expect(server.rooms.evictIdleRooms()).toBe(0);
    offsetMs += 1;
    expect(server.rooms.evictIdleRooms()).toBe(20); // ...until the idle timeout
    expect(server.rooms.roomCount).toBe(0);

    // the state is in the database: a new join loads it again
    const back = await connect(server.url);
    const view = await join(back, rooms[0]!.code, "back-000001", "Back");
    expect(view).toMatchObject({ code: rooms[0]!.code, tempoBpm: 133, beatsPerBar: 7 });
    expect(view.members.map((m) => m.id)).toEqual(["back-000001"]);
    expect(server.rooms.roomCount).toBe(1);
    back.close();
  });

  it("with an idle time of 0, the room map is empty as soon as the last members leave", async () => {
    const server = await start(0, () => Date.now());
    const sockets: Client[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await createRoomAsHost(server.url);
      const s = await connect(server.url);
      sockets.push(s);
      await join(s, r.code, `zero-${String(i).padStart(6, "0")}`, "Zero", r.hostToken);
    }
    expect(server.rooms.roomCount).toBe(30);
    await closeAll(server, sockets);
    expect(server.rooms.roomCount).toBe(0);
  });

  it("a refused join (wrong passcode) loads the room only for as long as the join takes", async () => {
    const server = await start(0, () => Date.now());
    const created = await fetch(`${server.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ passcode: "1234" }) });
    const { code } = (await created.json()) as { code: string };
    const s = await connect(server.url);
    const wrong = await s.emitWithAck("join", { protocolVersion: 1, roomCode: code, participantId: "guesser-0001", name: "G", passcode: "9999" });
    expect(wrong).toMatchObject({ ok: false, error: { code: "wrong_passcode" } });
    expect(server.rooms.roomCount).toBe(0);
    s.close();
  });
});
