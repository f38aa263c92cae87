/**
 * The same storage suite against SQLite (always, a temporary file) and
 * PostgreSQL (when TEST_DATABASE_URL is set, in a throwaway schema that is
 * dropped afterwards).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openStore } from "../../server/storage";
import type { Hit } from "../../core/hit";
import type { Store } from "../../server/store";

interface Backend {
  name: "sqlite" | "postgres";
  /** creates an empty database; returns its URL */
  setUp(): Promise<string>;
  /** rows in _prisma_migrations, read without Prisma */
  migrationRows(): Promise<number>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dir = "";
  let filePath = "";
  return {
    name: "sqlite",
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), "backbeat-storage-"));
      // A missing parent directory must be created, as for ./data/backbeat.db.
      filePath = join(dir, "nested", "backbeat.db");
      return `file:${filePath}`;
    },
    async migrationRows() {
      const db = new Database(filePath, { readonly: true });
      try {
        const row = db.prepare("SELECT COUNT(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL").get() as {
          n: number;
        };
        return row.n;
      } finally {
        db.close();
      }
    },
    async tearDown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(baseUrl: string): Backend {
  const schema = `bb_test_${randomBytes(6).toString("hex")}`;
  const admin = () => new pg.Client({ connectionString: baseUrl });
  return {
    name: "postgres",
    async setUp() {
      const url = new URL(baseUrl);
      url.searchParams.set("schema", schema);
      return url.toString();
    },
    async migrationRows() {
      const client = admin();
      await client.connect();
      try {
        const result = await client.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL`,
        );
        return Number(result.rows[0]?.n);
      } finally {
        await client.end();
      }
    },
    async tearDown() {
      const client = admin();
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

const backends: Backend[] = [sqliteBackend()];
const testDatabaseUrl = process.env.TEST_DATABASE_URL?.trim();
if (testDatabaseUrl) backends.push(postgresBackend(testDatabaseUrl));

function hit(participantId: string, seq: number, strikeAtMs: number, pad: Hit["pad"] = "kick"): Hit {
  return { participantId, seq, strikeAtMs, pad, velocity: 0.8 };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of backends) {
  describe(`storage (${backend.name})`, () => {
    let url = "";
    let store: Store;
    let firstRun: { applied: string[] };
    let secondRun: { applied: string[] };

    beforeAll(async () => {
      url = await backend.setUp();
      firstRun = await applyMigrations(backend.name, url);
      secondRun = await applyMigrations(backend.name, url);
      store = await openStore(url);
    });

    afterAll(async () => {
      await store?.close();
      await backend.tearDown();
    });

    it("applies migrations once and records them in _prisma_migrations", async () => {
      expect(store.kind).toBe(backend.name);
      expect(firstRun.applied.length).toBeGreaterThan(0);
      expect(firstRun.applied.some((name) => name.endsWith("_init"))).toBe(true);
      expect(secondRun.applied).toEqual([]);
      // openStore migrated a third time without applying anything.
      expect(await backend.migrationRows()).toBe(firstRun.applied.length);
      expect(await applyMigrations(backend.name, url)).toEqual({ applied: [] });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("creates a room once and reports a taken code", async () => {
      expect(await store.createRoom({ code: "ROOM1", tempoBpm: 120, beatsPerBar: 4 })).toBe(true);
      expect(await store.createRoom({ code: "ROOM1", tempoBpm: 90, beatsPerBar: 3 })).toBe(false);
      const room = await store.getRoom("ROOM1");
      expect(room).toMatchObject({ code: "ROOM1", tempoBpm: 120, beatsPerBar: 4 });
      expect(room?.createdAt).toBeInstanceOf(Date);
      expect(await store.getRoom("NOPE")).toBeNull();

      // tempo, meter, mode and the rest change only through the owner's fenced save: room-fence-storage.test.ts
    });

    it("records hits, ignoring resent ones, and reads them back in order", async () => {
      await store.createRoom({ code: "JAM", tempoBpm: 100, beatsPerBar: 4 });
      // Ids whose code-unit order ("Bob" < "alice") differs from a
      // case-insensitive collation's, to pin the tie-break order.
      await store.upsertParticipant({ id: "alice", roomCode: "JAM", name: "Alice", color: "#f00" });
      await store.upsertParticipant({ id: "Bob", roomCode: "JAM", name: "Bob", color: "#0f0" });
      await store.upsertParticipant({ id: "carol", roomCode: "JAM", name: "Carol", color: "#00f" });
      // Re-join with a new name and colour.
      await store.upsertParticipant({ id: "alice", roomCode: "JAM", name: "Alice B", color: "#f80" });

      await store.createRecording({
        id: "rec-one",
        roomCode: "JAM",
        title: "First take",
        startedAtMs: 1_000.25,
        tempoBpm: 100,
        beatsPerBar: 4,
        participantIds: ["alice", "Bob", "alice"],
      });

      // In-batch duplicate (alice #1 twice): stored once.
      const first = await store.addHits("rec-one", [
        hit("alice", 1, 1_500),
        hit("Bob", 1, 1_500, "snare"),
        hit("alice", 1, 9_999, "crash"),
        hit("alice", 2, 1_250.5, "hihatClosed"),
      ]);
      expect(first).toBe(3);
      // Resent batch: nothing new. Overlapping batch: only the new ones count.
      expect(await store.addHits("rec-one", [hit("alice", 1, 1_500), hit("Bob", 1, 1_500, "snare")])).toBe(0);
      expect(await store.addHits("rec-one", [hit("Bob", 1, 1_500, "snare"), hit("Bob", 2, 1_500, "tomLow")])).toBe(1);
      // carol never registered on the recording but played.
      expect(await store.addHits("rec-one", [hit("carol", 7, 1_100, "ride")])).toBe(1);
      expect(await store.addHits("rec-one", [])).toBe(0);

      // A hit from an unknown participant violates a foreign key: the whole batch fails.
      await expect(store.addHits("rec-one", [hit("carol", 8, 1_200), hit("ghost", 1, 1_200)])).rejects.toThrow();

      await store.finishRecording("rec-one", 12_000.75);

      const rec = await store.getRecording("rec-one");
      expect(rec).not.toBeNull();
      expect(rec).toMatchObject({
        id: "rec-one",
        roomCode: "JAM",
        title: "First take",
        startedAtMs: 1_000.25,
        endedAtMs: 12_000.75,
        tempoBpm: 100,
        beatsPerBar: 4,
        hitCount: 5,
      });
      expect(rec?.createdAt).toBeInstanceOf(Date);
      expect(rec?.hits.map((h) => [h.strikeAtMs, h.participantId, h.seq, h.pad])).toEqual([
        [1_100, "carol", 7, "ride"],
        [1_250.5, "alice", 2, "hihatClosed"],
        [1_500, "Bob", 1, "snare"],
        [1_500, "Bob", 2, "tomLow"],
        [1_500, "alice", 1, "kick"],
      ]);
      expect(rec?.hits[0]?.velocity).toBeCloseTo(0.8);
      expect(new Set(rec?.participants.map((p) => p.id))).toEqual(new Set(["alice", "Bob", "carol"]));
      expect(rec?.participants.find((p) => p.id === "alice")).toEqual({ id: "alice", name: "Alice B", color: "#f80" });
    });

    it("adds recording participants idempotently", async () => {
      await store.createRecording({
        id: "rec-two",
        roomCode: "JAM",
        title: "Second take",
        startedAtMs: 20_000,
        tempoBpm: 100,
        beatsPerBar: 4,
        participantIds: [],
      });
      await store.addRecordingParticipant("rec-two", "carol");
      await store.addRecordingParticipant("rec-two", "carol");
      const rec = await store.getRecording("rec-two");
      expect(rec?.participants).toEqual([{ id: "carol", name: "Carol", color: "#00f" }]);
      expect(rec?.endedAtMs).toBeNull();
      expect(rec?.hits).toEqual([]);
    });

    it("lists a room's recordings newest first with hit counts", async () => {
      // createdAt has millisecond precision on both providers.
      await pause(5);
      await store.createRecording({
        id: "rec-three",
        roomCode: "JAM",
        title: "Third take",
        startedAtMs: 30_000,
        tempoBpm: 110,
        beatsPerBar: 4,
        participantIds: ["Bob"],
      });
      expect(await store.addHits("rec-three", [hit("Bob", 1, 30_100), hit("Bob", 2, 30_200)])).toBe(2);

      const list = await store.listRecordings("JAM");
      expect(list.map((r) => [r.id, r.hitCount])).toEqual([
        ["rec-three", 2],
        ["rec-two", 0],
        ["rec-one", 5],
      ]);
      expect(list[2]?.participants.map((p) => p.id).sort()).toEqual(["Bob", "alice", "carol"]);
      expect(list[0]?.endedAtMs).toBeNull();
      expect(list[0]).not.toHaveProperty("hits");
      expect(await store.listRecordings("ROOM1")).toEqual([]);
    });

    it("returns null for an unknown recording and rejects finishing one", async () => {
      expect(await store.getRecording("no-such-recording")).toBeNull();
      await expect(store.finishRecording("no-such-recording", 1)).rejects.toThrow(/Unknown recording/);
    });

    it("rejects hits the columns cannot hold", async () => {
      await expect(store.addHits("rec-one", [hit("alice", 2 ** 31, 1)])).rejects.toThrow(RangeError);
      await expect(store.addHits("rec-one", [hit("alice", 3, Number.NaN)])).rejects.toThrow(/strikeAtMs/);
    });
  });
}
