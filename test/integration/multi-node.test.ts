/**
 * Several servers, one owner per room (issue 13): three real server processes share PostgreSQL
 * and Redis behind a real nginx that routes by room (`hash $arg_room consistent`). Every member
 * of a room lands on the one server that owns it — nobody is even refused once — and the room's
 * hits are relayed there and stored once. Each room is in memory on exactly one server; a room
 * created through one server and owned by another still asks for its passcode.
 * The failover cases (a server killed, a server back) are in multi-node-failover.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../core/protocol";
import { Drummer } from "../support/drummer";
import { RoutedClient } from "../support/routed-client";
import { connectVia, startServerCluster } from "../support/server-cluster";
import { createRoomAsHost, expectEveryHitOnce, sleep, TEST_DATABASE_URL, until } from "./faults/support";

const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || undefined;
/** short, so tests never wait long; long enough that a busy machine's timer delays do not lose leases */
const LEASE_MS = 2_000;
const SKIP = !TEST_DATABASE_URL || !TEST_REDIS_URL ? "skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;

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

describe("several servers behind nginx: one owner per room", () => {
  it.skipIf(SKIP)(`every member of a room lands on its owner; hits relayed there and stored once; each room in memory once${SKIP ? ` — ${SKIP}` : ""}`, async () => {
    const cluster = await startServerCluster(3, { databaseUrl: TEST_DATABASE_URL!, redisUrl: TEST_REDIS_URL!, leaseMs: LEASE_MS, cleanups });
    const { nginx, servers } = cluster;
    // Three rooms, created through nginx (POST /api/rooms lands on any server).
    const rooms = await Promise.all([0, 1, 2].map(() => createRoomAsHost(nginx.url)));
    const players: { room: string; id: string; client: RoutedClient; drummer: Drummer }[] = [];
    for (const [r, room] of rooms.entries()) {
      for (let p = 0; p < 3; p++) {
        const id = `mn-${r}-player-${p}`;
        const client = new RoutedClient({ url: nginx.url, roomCode: room.code, participantId: id, name: `P${r}${p}`, hostToken: p === 0 ? room.hostToken : undefined });
        cleanups.push(() => client.close());
        await client.joinedAfter(0);
        players.push({ room: room.code, id, client, drummer: new Drummer(client, 100 * r + p, 10) });
      }
    }
    const recordings = new Map<string, string>();
    for (const room of rooms) {
      const host = players.find((p) => p.room === room.code)!.client;
      recordings.set(room.code, ((await host.request("recording:start", {})) as { id: string }).id);
    }
    await until("everyone sees the recording", () => players.every((p) => p.client.room?.recording?.id === recordings.get(p.room)), 5_000, 20);
    for (const p of players) p.drummer.start();
    await until("everyone hears both partners", () => players.every((p) => p.client.relayedIn >= 10), 10_000, 50);
    await sleep(500);
    for (const p of players) p.drummer.stop();
    await Promise.all(players.map((p) => p.client.drained()));

    // One owner per room, and it is where nginx sends the room; nobody was ever refused.
    for (const room of rooms) {
      const owner = await cluster.ownerOf(room.code);
      expect(owner, `room ${room.code} has an owner`).not.toBeNull();
      expect(await cluster.routedTo(room.code)).toBe(owner);
    }
    expect(players.map((p) => [p.client.joins, p.client.movingAnswers, p.client.movedAway])).toEqual(players.map(() => [1, 0, 0]));
    const inMemory = await Promise.all(servers.map((s) => cluster.roomsInMemory(s)));
    expect(inMemory.reduce((a, b) => a! + b!, 0)).toBe(rooms.length);

    for (const room of rooms) {
      const host = players.find((p) => p.room === room.code)!.client;
      await host.request("recording:stop", {});
      const inRoom = players.filter((p) => p.room === room.code);
      await expectEveryHitOnce(nginx.url, recordings.get(room.code)!, inRoom.map((p) => ({ participantId: p.id, struck: p.drummer.struck })));
    }

    // Every WebSocket of a room went to its owner (nginx logs a WebSocket when it closes).
    for (const p of players) p.client.close();
    for (const room of rooms) {
      const owner = (await cluster.ownerOf(room.code)) ?? null;
      await until(`nginx logged room ${room.code}'s sockets`, () => nginx.routed().filter((r) => r.room === room.code && r.status === 101).length === 3, 5_000, 50);
      const upstreams = new Set(nginx.routed().filter((r) => r.room === room.code && r.status === 101).map((r) => r.upstreams.at(-1)));
      // (the owner released its lease when the room emptied only after ROOM_IDLE_SECONDS: still held)
      expect([...upstreams]).toEqual([`127.0.0.1:${owner!.port}`]);
    }
  }, 90_000);

  it.skipIf(SKIP)(`a private room created through one server and owned by another asks for its passcode${SKIP ? ` — ${SKIP}` : ""}`, async () => {
    const cluster = await startServerCluster(2, { databaseUrl: TEST_DATABASE_URL!, redisUrl: TEST_REDIS_URL!, leaseMs: LEASE_MS, cleanups });
    const [s1, s2] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
    // Created on s1 directly; it is owned wherever nginx routes it.
    const res = await fetch(`${s1.url}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ passcode: "drum & bass 42" }) });
    const { code, hostToken } = (await res.json()) as { code: string; hostToken: string };
    const host = await connectVia(cluster.nginx.url, code);
    cleanups.push(() => void host.close());
    const hostJoin = await host.timeout(10_000).emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "priv-host-001", name: "Host", hostToken });
    expect(hostJoin.ok).toBe(true);
    const guest = await connectVia(cluster.nginx.url, code);
    cleanups.push(() => void guest.close());
    const without = await guest.timeout(10_000).emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "priv-guest-01", name: "Guest" });
    expect(!without.ok && without.error.code).toBe("passcode_required");
    const withIt = await guest.timeout(10_000).emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode: code, participantId: "priv-guest-01", name: "Guest", passcode: "drum & bass 42" });
    expect(withIt.ok ? withIt.data.room.members.map((m: { id: string }) => m.id).sort() : withIt.error.code).toEqual(["priv-guest-01", "priv-host-001"]);
    expect([s1, s2]).toContain(await cluster.ownerOf(code));
  }, 60_000);
});
