/**
 * Several servers, one room: two real server processes share rooms through
 * Redis (the Socket.IO Redis Streams adapter for fan-out, RoomSync for room
 * state) and one PostgreSQL database. Players on each server hear each other,
 * and one recording holds everyone's hits. Then one server is killed with
 * SIGKILL: its players reconnect through the balancer to the survivor and the
 * session and recording continue with nothing lost.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startBalancer } from "../support/balancer";
import { Drummer } from "../support/drummer";
import { mapStorage, ReliableClient } from "../support/reliable-client";
import { spawnApiServer, type ApiServerProcess } from "../support/server-process";
import { createRoomAsHost, expectEveryHitOnce, postgresDatabase, sleep, startRecording, stopRecording, TEST_DATABASE_URL, until } from "./faults/support";

const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || undefined;
const SKIP = !TEST_DATABASE_URL || !TEST_REDIS_URL ? "skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both)" : false;
const BACKOFF = { reconnectionDelay: 100, reconnectionDelayMax: 400 };

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

describe("several servers share rooms through Redis", () => {
  it.skipIf(SKIP)(`players on two servers jam in one room; killing one server loses nothing${SKIP ? ` — ${SKIP}` : ""}`, async () => {
    const db = postgresDatabase(TEST_DATABASE_URL!);
    cleanups.push(() => db.cleanup());
    const env = { ...process.env, REDIS_URL: TEST_REDIS_URL! };
    const s1: ApiServerProcess = await spawnApiServer({ databaseUrl: db.url, env });
    cleanups.push(() => s1.kill9());
    const s2: ApiServerProcess = await spawnApiServer({ databaseUrl: db.url, env });
    cleanups.push(() => s2.kill9());
    const lb = await startBalancer([s1.port, s2.port]);
    cleanups.push(() => lb.close());

    const { code, hostToken } = await createRoomAsHost(s1.url);
    // Ada's connection lands on s1, Bo's on s2 (round robin), as a load balancer would spread them.
    const ada = new ReliableClient({ url: `http://127.0.0.1:${lb.port}`, roomCode: code, participantId: "multi-ada-0001", name: "Ada", hostToken, storage: mapStorage(), ...BACKOFF });
    cleanups.push(() => ada.close());
    await ada.joined();
    const bo = new ReliableClient({ url: `http://127.0.0.1:${lb.port}`, roomCode: code, participantId: "multi-bo-00002", name: "Bo", storage: mapStorage(), ...BACKOFF });
    cleanups.push(() => bo.close());
    await bo.joined();
    expect(lb.routed.get(s1.port)).toBe(1);
    expect(lb.routed.get(s2.port)).toBe(1);

    // Room state is consistent across the servers: both see both, Ada is host on either.
    await until("both see two members", () => ada.room?.members.length === 2 && bo.room?.members.length === 2, 5000);
    expect(bo.room!.members.find((m) => m.id === "multi-ada-0001")?.isHost).toBe(true);
    const tempo = await ada.socket.emitWithAck("tempo:set", { tempoBpm: 123, beatsPerBar: 4 });
    expect(tempo.ok).toBe(true);
    await until("Bo (on the other server) sees the new tempo", () => bo.room?.tempoBpm === 123, 5000);

    const recordingId = await startRecording(ada);
    await until("Bo sees the recording", () => bo.room?.recording?.id === recordingId, 5000);
    const da = new Drummer(ada, 5, 10);
    const db2 = new Drummer(bo, 6, 10);
    da.start();
    db2.start();
    await sleep(1500);
    // They hear each other across servers.
    expect(ada.relayedIn).toBeGreaterThan(5);
    expect(bo.relayedIn).toBeGreaterThan(5);

    // Kill Ada's server: she reconnects through the balancer to s2 and carries on.
    const adaJoins = ada.joins;
    await s1.kill9();
    await ada.joined(adaJoins);
    const heard = bo.relayedIn;
    await sleep(1200);
    expect(bo.relayedIn).toBeGreaterThan(heard);
    expect(lb.routed.get(s2.port)).toBeGreaterThanOrEqual(2);
    da.stop();
    db2.stop();
    await Promise.all([ada.drained(), bo.drained()]);
    await stopRecording(ada);

    await expectEveryHitOnce(s2.url, recordingId, [
      { participantId: "multi-ada-0001", struck: da.struck },
      { participantId: "multi-bo-00002", struck: db2.struck },
    ]);
  }, 60_000);
});
