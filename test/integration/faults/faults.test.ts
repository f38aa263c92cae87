/**
 * Recordings that lose nothing, proved against real processes:
 *
 *  1. the server is killed with SIGKILL while two players record, then started
 *     again; the players reconnect (one of them also reloads its page meanwhile);
 *  2. one player's connection is dropped for 5 s (a TCP proxy between it and
 *     the server is cut: open connections reset, new ones refused);
 *  3. PostgreSQL is unreachable for 10 s (a TCP proxy in front of it is cut).
 *
 * Each time the stored recording must hold every hit each player struck —
 * same seq, pad, velocity and strike time — none twice, and every player's
 * outbox must end empty. The server is test/support/api-server.ts in a child
 * process; the players are the real client, JamConnection
 * (app/lib/connection/jam-connection.ts), in Node (test/support/jam-node.ts).
 *
 * (1) and (2) run against SQLite always and PostgreSQL when TEST_DATABASE_URL
 * is set; (3) needs a network link to the database, so it runs on PostgreSQL
 * only and is reported as skipped otherwise.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ACK_INTERVAL_MS } from "../../../server/room/writer";
import { Drummer } from "../../support/drummer";
import type { JamConnection } from "../../../app/lib/connection/jam-connection";
import { drained, joined, mapStorage, nodeConnection } from "../../support/jam-node";
import { spawnApiServer, type ApiServerProcess } from "../../support/server-process";
import { startCuttableProxy, type CuttableProxy } from "../../support/tcp-proxy";
import {
  createRoomAsHost,
  expectEveryHitOnce,
  health,
  NO_PG_REASON,
  postgresDatabase,
  sleep,
  sqliteDatabase,
  startRecording,
  stopRecording,
  TEST_DATABASE_URL,
  until,
  type TestDatabase,
} from "./support";

/** Fast back-off so a test does not wait out the browser's 1–5 s; the behaviour is the same. */
const BACKOFF = { baseMs: 100, maxMs: 400 };
const HITS_PER_SECOND = 20;

/** Everything a test started, torn down after it whatever happened. */
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

function player(url: string, roomCode: string, participantId: string, name: string, storage = mapStorage()): JamConnection {
  const c = nodeConnection({ url, roomCode, participantId, name, storage, backoff: BACKOFF });
  cleanups.push(() => c.close());
  return c;
}

async function serverOn(db: TestDatabase): Promise<ApiServerProcess> {
  cleanups.push(() => db.cleanup());
  const server = await spawnApiServer({ databaseUrl: db.url });
  cleanups.push(() => server.kill9());
  return server;
}

const databases: { kind: string; make: () => TestDatabase; skip: string | false }[] = [
  { kind: "sqlite", make: sqliteDatabase, skip: false },
  { kind: "postgres", make: () => postgresDatabase(TEST_DATABASE_URL!), skip: TEST_DATABASE_URL ? false : NO_PG_REASON },
];

for (const db of databases) {
  describe(`recordings survive faults (${db.kind})`, () => {
    it.skipIf(db.skip)(`kill -9 of the server mid-recording: after the restart every hit is stored once${db.skip ? ` — ${db.skip}` : ""}`, async () => {
      const server = await serverOn(db.make());
      const { code } = await createRoomAsHost(server.url);
      const storageB = mapStorage();
      const a = player(server.url, code, "fault-ada-0001", "Ada");
      let b = player(server.url, code, "fault-bo-00002", "Bo", storageB);
      await Promise.all([joined(a), joined(b)]);
      const recordingId = await startRecording(a);
      await sleep(50);
      const da = new Drummer(a, 11, HITS_PER_SECOND);
      const dbb = new Drummer(b, 22, HITS_PER_SECOND);
      da.start();
      dbb.start();
      await sleep(1500);

      await server.kill9();
      // They keep playing while the server is gone: hits wait in the outboxes.
      await sleep(700);
      // Bo reloads the page meanwhile: a new client over the same storage.
      b.close();
      b = player(server.url, code, "fault-bo-00002", "Bo", storageB);
      dbb.client = b;
      expect(b.unackedHits).toBeGreaterThan(0); // the outbox came back from storage
      await sleep(500);

      const aJoins = a.stats.joins;
      await server.restart();
      await Promise.all([joined(a, aJoins), joined(b, 0)]);
      // Both are in the one room again: they hear each other (two joins racing to load the room once split it in two).
      const heard = [a.stats.relayedIn, b.stats.relayedIn];
      await sleep(1200);
      expect(a.stats.relayedIn).toBeGreaterThan(heard[0]!);
      expect(b.stats.relayedIn).toBeGreaterThan(heard[1]!);
      expect(a.room?.members.map((m) => m.id).sort()).toEqual(["fault-ada-0001", "fault-bo-00002"]);
      da.stop();
      dbb.stop();
      await Promise.all([drained(a), drained(b)]);
      await stopRecording(a);

      await expectEveryHitOnce(server.url, recordingId, [
        { participantId: "fault-ada-0001", struck: da.struck, unsynced: da.unsynced },
        { participantId: "fault-bo-00002", struck: dbb.struck, unsynced: dbb.unsynced },
      ]);
      // The fault really happened to both: hits struck offline, re-sent after the restart.
      for (const c of [a, b]) {
        expect(c.stats.heldBack).toBeGreaterThan(0);
        expect(c.stats.resent).toBeGreaterThan(0);
        expect(c.unackedHits).toBe(0);
      }
      expect(a.stats.joins).toBeGreaterThanOrEqual(2);
      expect(dbb.unsynced.size).toBeGreaterThan(0); // Bo's reloaded page played before its clock could sync
      expect(storageB.map.has(`backbeat:outbox:${code}:fault-bo-00002`)).toBe(false);
      expect(da.struck.length + dbb.struck.length).toBeGreaterThan(100);
    });

    it.skipIf(db.skip)(`a player's connection dropped for 5 s: every hit is stored once${db.skip ? ` — ${db.skip}` : ""}`, async () => {
      const server = await serverOn(db.make());
      const link = await startCuttableProxy({ host: "127.0.0.1", port: server.port });
      cleanups.push(() => link.close());
      const { code } = await createRoomAsHost(server.url);
      const a = player(server.url, code, "drop-ada-0001", "Ada");
      const b = player(`http://127.0.0.1:${link.port}`, code, "drop-bo-00002", "Bo");
      await Promise.all([joined(a), joined(b)]);
      const recordingId = await startRecording(a);
      await sleep(50);
      const da = new Drummer(a, 33, HITS_PER_SECOND);
      const dbb = new Drummer(b, 44, HITS_PER_SECOND);
      da.start();
      dbb.start();
      await sleep(1500);

      await link.cut(5_000);
      await until("Bo notices the drop", () => b.status.kind === "reconnecting", 2_000, 20);
      await sleep(2_000);
      expect(b.status.kind).toBe("reconnecting"); // still away: reconnects are refused
      await until("Bo is back", () => !link.isCut && b.status.kind === "joined" && b.stats.joins >= 2, 10_000, 50);
      await sleep(1200);
      da.stop();
      dbb.stop();
      await Promise.all([drained(a), drained(b)]);
      await stopRecording(a);

      await expectEveryHitOnce(server.url, recordingId, [
        { participantId: "drop-ada-0001", struck: da.struck },
        { participantId: "drop-bo-00002", struck: dbb.struck },
      ]);
      expect(link.refused).toBeGreaterThan(0); // Bo's reconnects during the cut were refused
      expect(b.stats.heldBack).toBeGreaterThanOrEqual(4.5 * HITS_PER_SECOND * 0.8);
      expect(b.stats.resent).toBeGreaterThanOrEqual(b.stats.heldBack);
      expect(a.stats.joins).toBe(1); // Ada was never disturbed
      expect(a.stats.resent).toBe(0);
      expect([a.unackedHits, b.unackedHits]).toEqual([0, 0]);
    });
  });
}

describe("recordings survive faults (postgres unreachable)", () => {
  it.skipIf(!TEST_DATABASE_URL)(
    `the database unreachable for 10 s: hits are kept and written when it returns${TEST_DATABASE_URL ? "" : ` — ${NO_PG_REASON}; SQLite has no network link to cut`}`,
    async () => {
      const real = new URL(TEST_DATABASE_URL!);
      let proxy: CuttableProxy | null = await startCuttableProxy({ host: real.hostname, port: Number(real.port || 5432) });
      cleanups.push(() => proxy?.close());
      const server = await serverOn(postgresDatabase(TEST_DATABASE_URL!, { host: "127.0.0.1", port: proxy.port }));
      const { code } = await createRoomAsHost(server.url);
      const a = player(server.url, code, "dbout-ada-001", "Ada");
      const b = player(server.url, code, "dbout-bo-0002", "Bo");
      await Promise.all([joined(a), joined(b)]);
      const recordingId = await startRecording(a);
      await sleep(50);
      const da = new Drummer(a, 55, HITS_PER_SECOND);
      const dbb = new Drummer(b, 66, HITS_PER_SECOND);
      da.start();
      dbb.start();
      await sleep(1500);
      expect((await health(server.url)).status).toBe(200);

      const cutAt = Date.now();
      await proxy.cut();
      await until("health reports the database down", async () => (await health(server.url)).status === 503, 5_000, 200);
      const down = await health(server.url);
      expect(down.body.db).toMatchObject({ ok: false, kind: "postgres" });
      expect(down.body.status).toBe("degraded");
      // Writes may have been in flight at the cut, and acks of rows stored before it wait for their
      // pacing (ACK_INTERVAL_MS): give both a moment, then nothing more may be acked.
      await sleep(ACK_INTERVAL_MS + 500);
      const ackedDuringOutage = [a.stats.acked, b.stats.acked];
      const outboxesAtCut = [a.unackedHits, b.unackedHits];
      await sleep(Math.max(0, 10_000 - (Date.now() - cutAt)));
      expect([a.stats.acked, b.stats.acked]).toEqual(ackedDuringOutage); // not acknowledged = not claimed stored
      expect(a.unackedHits).toBeGreaterThan(outboxesAtCut[0]! + 100); // they kept playing; the outboxes held it
      expect(b.unackedHits).toBeGreaterThan(outboxesAtCut[1]! + 100);
      expect([a.status.kind, b.status.kind]).toEqual(["joined", "joined"]); // the players never lost the server
      expect((await health(server.url)).body.pendingWrites).toBeGreaterThan(300);

      proxy.restore();
      await until("health reports the database back", async () => (await health(server.url)).status === 200, 10_000, 200);
      await sleep(1000);
      da.stop();
      dbb.stop();
      await Promise.all([drained(a, 15_000), drained(b, 15_000)]);
      await stopRecording(a);

      await expectEveryHitOnce(server.url, recordingId, [
        { participantId: "dbout-ada-001", struck: da.struck },
        { participantId: "dbout-bo-0002", struck: dbb.struck },
      ]);
      // The players' hearings (when each heard the other's hits: the real client reports them) go
      // out once a second, so the last of them may still be on their way to the database.
      await until("every write done", async () => (await health(server.url)).body.pendingWrites === 0, 10_000, 200);
      expect([a.unackedHits, b.unackedHits]).toEqual([0, 0]);
      await proxy.close();
      proxy = null;
    },
  );
});
