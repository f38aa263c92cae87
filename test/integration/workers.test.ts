/**
 * WORKERS=2 (server/workers.ts) against real processes: a primary routes each
 * room's connections to the worker that owns it, so two rooms owned by
 * different workers both play and record; a worker killed with SIGKILL is
 * replaced and its room carries on with nothing lost; a rename over HTTP
 * reaches the owner of the room; a socket may only join the room it was
 * routed for; SIGTERM stops every worker gracefully (pending hits written).
 */
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../core/protocol";
import { workerIndexForRoom } from "../../server/workers";
import { Drummer } from "../support/drummer";
import { workerPid, workerPids } from "../support/procfs";
import type { JamConnection } from "../../app/lib/connection/jam-connection";
import { drained, joined, nodeConnection } from "../support/jam-node";
import { spawnApiServer, type ApiServerProcess } from "../support/server-process";
import { createRoomAsHost, expectEveryHitOnce, sleep, sqliteDatabase, stopRecording, until } from "./faults/support";
import { createConnection } from "node:net";
import { io } from "socket.io-client";

const BACKOFF = { baseMs: 100, maxMs: 400 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch {
      /* keep tearing down */
    }
  }
});

/** Rooms until one is owned by each worker. */
async function roomsOnBothWorkers(url: string): Promise<[{ code: string; hostToken: string }, { code: string; hostToken: string }]> {
  const found: ({ code: string; hostToken: string } | undefined)[] = [undefined, undefined];
  for (let i = 0; i < 40 && !(found[0] && found[1]); i++) {
    const room = await createRoomAsHost(url);
    found[workerIndexForRoom(room.code, 2)] ??= room;
  }
  if (!found[0] || !found[1]) throw new Error("no room hashed to one of the workers in 40 tries");
  return [found[0], found[1]];
}

function player(url: string, roomCode: string, participantId: string, name: string): JamConnection {
  const c = nodeConnection({ url, roomCode, participantId, name, backoff: BACKOFF });
  cleanups.push(() => c.close());
  return c;
}

async function serverWithWorkers(): Promise<ApiServerProcess> {
  const db = sqliteDatabase();
  cleanups.push(() => db.cleanup());
  const server = await spawnApiServer({ databaseUrl: db.url, env: { WORKERS: "2", IP_CONNECTION_LIMITS: "off" } as unknown as NodeJS.ProcessEnv, startTimeoutMs: 60_000 });
  cleanups.push(() => server.kill9());
  return server;
}

describe("several worker processes on one machine (WORKERS=2)", () => {
  it("rooms on both workers play and record; a killed worker is replaced and its room loses nothing; SIGTERM flushes", async () => {
    const server = await serverWithWorkers();
    const pid = server.pid!;
    expect([...workerPids(pid).keys()].sort()).toEqual([0, 1]);
    const [r0, r1] = await roomsOnBothWorkers(server.url);

    const a0 = player(server.url, r0.code, "wk-ada-00000", "Ada");
    const b0 = player(server.url, r0.code, "wk-bo-000000", "Bo");
    const a1 = player(server.url, r1.code, "wk-cy-000001", "Cy");
    const b1 = player(server.url, r1.code, "wk-di-000001", "Di");
    await Promise.all([a0, b0, a1, b1].map((c) => joined(c)));
    const start = async (c: JamConnection) => {
      const res = await c.startRecording();
      if (!res.ok) throw new Error(res.error.message);
      return res.data;
    };
    const { id: rec0, ownerToken: owner0 } = await start(a0);
    const { id: rec1, ownerToken: owner1 } = await start(a1);
    await sleep(50);
    const drummers = [a0, b0, a1, b1].map((c, i) => new Drummer(c, 100 + i, 20));
    drummers.forEach((d) => d.start());
    await sleep(1200);
    // Each room hears itself, and only itself.
    for (const c of [a0, b0, a1, b1]) expect(c.stats.relayedIn).toBeGreaterThan(5);
    expect(a0.room?.members.map((m) => m.id).sort()).toEqual(["wk-ada-00000", "wk-bo-000000"]);
    expect(a1.room?.members.map((m) => m.id).sort()).toEqual(["wk-cy-000001", "wk-di-000001"]);

    // kill -9 the worker owning room 1: the primary starts a new one; room 0 plays on meanwhile.
    const victim = workerPid(pid, 1)!;
    expect(victim).not.toBeNull();
    const room0Before = a0.stats.relayedIn;
    process.kill(victim, "SIGKILL");
    const joins = [a1.stats.joins, b1.stats.joins];
    await until("room 1's players rejoined on the replacement worker", () => a1.stats.joins > joins[0]! && b1.stats.joins > joins[1]!, 30_000);
    const replacement = workerPid(pid, 1);
    expect(replacement).not.toBeNull();
    expect(replacement).not.toBe(victim);
    expect(a0.stats.joins).toBe(1); // room 0 never noticed
    expect(a0.stats.relayedIn).toBeGreaterThan(room0Before);
    const heard = [a1.stats.relayedIn, b1.stats.relayedIn];
    await sleep(800);
    expect(a1.stats.relayedIn).toBeGreaterThan(heard[0]!);
    expect(b1.stats.relayedIn).toBeGreaterThan(heard[1]!);

    drummers.forEach((d) => d.stop());
    await Promise.all([a0, b0, a1, b1].map((c) => drained(c)));
    await stopRecording(a0);
    await stopRecording(a1);
    await expectEveryHitOnce(server.url, rec0, [
      { participantId: "wk-ada-00000", struck: drummers[0]!.struck },
      { participantId: "wk-bo-000000", struck: drummers[1]!.struck },
    ]);
    await expectEveryHitOnce(server.url, rec1, [
      { participantId: "wk-cy-000001", struck: drummers[2]!.struck },
      { participantId: "wk-di-000001", struck: drummers[3]!.struck },
    ]);
    expect(a1.stats.resent + b1.stats.resent).toBeGreaterThan(0); // the kill really cost them unacknowledged hits

    // A rename over HTTP lands on whichever worker the request reaches (one kept-alive
    // connection: the same worker for both), so for one of the two rooms it is not the
    // owner: the owner hears of it from the primary and sends its members the new list.
    for (const [rec, token, client] of [
      [rec0, owner0, a0],
      [rec1, owner1, a1],
    ] as const) {
      const title = `renamed ${rec}`;
      const res = await fetch(`${server.url}/api/recordings/${rec}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ title }),
      });
      expect(res.status).toBe(200);
      await until(`the room's members see "${title}"`, () => client.room?.recordings.some((r) => r.id === rec && r.title === title) === true, 5_000);
    }

    // Graceful stop: both workers write what they hold, then everyone exits.
    await server.stop();
    expect(workerPids(pid).size).toBe(0);
  }, 90_000);

  it("a socket routed for one room may not join another (its state lives in another worker)", async () => {
    const server = await serverWithWorkers();
    const [r0, r1] = await roomsOnBothWorkers(server.url);
    const socket = io(server.url, { transports: ["websocket"], forceNew: true, reconnection: false, query: { room: r0.code } });
    cleanups.push(() => void socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    const wrong = await socket.timeout(5000).emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: r1.code, participantId: "wk-eve-00001", name: "Eve" });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe("wrong_server");
      expect(wrong.error.message).toContain(`?room=${r1.code}`);
    }
    const right = await socket.timeout(5000).emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: r0.code, participantId: "wk-eve-00001", name: "Eve" });
    expect(right.ok).toBe(true);
  }, 60_000);

  it("HTTP through the primary: a body sent after the headers arrives, and connections are not kept alive", async () => {
    const server = await serverWithWorkers();
    // Headers first, the body 150 ms later in its own segment (as many clients send a POST).
    const body = JSON.stringify({ tempoBpm: 120 });
    const response = await new Promise<string>((resolve, reject) => {
      const sock = createConnection({ host: "127.0.0.1", port: server.port }, () => {
        sock.write(`POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
        setTimeout(() => sock.write(body), 150);
      });
      let got = "";
      sock.on("data", (d) => (got += d.toString()));
      sock.on("close", () => resolve(got)); // Connection: close — the worker ends it after one response
      sock.on("error", reject);
      setTimeout(() => reject(new Error(`no complete response in 10 s: ${got}`)), 10_000);
    });
    expect(response).toMatch(/^HTTP\/1\.1 201/);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(response).toMatch(/"code":"[a-z]+-[a-z]+-[0-9a-hjkmnp-tv-z]{8}"/);
  }, 60_000);
});
