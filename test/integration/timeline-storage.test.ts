/**
 * Recording timelines in the store, on SQLite and (with TEST_DATABASE_URL)
 * PostgreSQL: stored with the recording, changes appended (a change replaces
 * pending ones at or after its time), and a database made before the
 * recording_timeline migration upgrades with its recordings intact.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, openStore } from "../../server/storage";
import { DEFAULT_MIGRATIONS_ROOT } from "../../server/storage/migrate";
import type { Store, TimelineEntry } from "../../server/store";
import { freshPostgresSchema, tempSqliteUrl } from "./helpers";

const TIMELINE_MIGRATION = "recording_timeline";

interface Db {
  kind: "sqlite" | "postgres";
  url: string;
  /** runs SQL outside Prisma (a database as an older server left it) */
  exec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

function sqlite(): Db {
  const tmp = tempSqliteUrl();
  return {
    kind: "sqlite",
    url: tmp.url,
    async exec(sql) {
      const db = new Database(tmp.url.slice("file:".length));
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    cleanup: async () => tmp.cleanup(),
  };
}

function postgres(baseUrl: string): Db {
  const fresh = freshPostgresSchema(baseUrl, "bb_tl");
  const schema = new URL(fresh.url).searchParams.get("schema")!;
  return {
    kind: "postgres",
    url: fresh.url,
    async exec(sql) {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`SET search_path TO "${schema}"; ${sql}`);
      } finally {
        await client.end();
      }
    },
    cleanup: fresh.cleanup,
  };
}

const makers: [string, () => Db][] = [["sqlite", sqlite]];
const pgUrl = process.env.TEST_DATABASE_URL?.trim();
if (pgUrl) makers.push(["postgres", () => postgres(pgUrl)]);

const grid = (epochMs: number, tempoBpm: number, beatsPerBar = 6, beatUnit = 8): TimelineEntry => ({ epochMs, tempoBpm, beatsPerBar, beatUnit, groove: "none" });

describe.each(makers)("recording timelines in the store (%s)", (_kind, make) => {
  let db: Db;
  let store: Store;
  let migrationsRoot = "";
  beforeAll(async () => {
    db = make();
    // The database as the previous release left it: every migration before recording_timeline.
    migrationsRoot = mkdtempSync(join(tmpdir(), "backbeat-migrations-"));
    const dir = join(DEFAULT_MIGRATIONS_ROOT, db.kind);
    cpSync(dir, join(migrationsRoot, db.kind), { recursive: true, filter: (src) => !src.includes(TIMELINE_MIGRATION) });
    await applyMigrations(db.kind, db.url, { migrationsRoot });
    await db.exec(`
      INSERT INTO "Room" ("code", "tempoBpm", "beatsPerBar") VALUES ('old-room-1', 100, 4);
      INSERT INTO "Recording" ("id", "roomCode", "title", "startedAtMs", "endedAtMs", "tempoBpm", "beatsPerBar") VALUES ('old-rec', 'old-room-1', 'Before timelines', 1000, 5000, 100, 4);`);
    // and then this release's server starts: the new migration applies, nothing else
    const { applied } = await applyMigrations(db.kind, db.url);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatch(new RegExp(`_${TIMELINE_MIGRATION}$`));
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
    if (migrationsRoot) rmSync(migrationsRoot, { recursive: true, force: true });
  });

  it("the migration is the newest of both providers", () => {
    for (const kind of ["sqlite", "postgres"]) {
      const names = readdirSync(join(DEFAULT_MIGRATIONS_ROOT, kind)).filter((n) => /^\d{14}_/.test(n)).sort();
      expect(names.filter((n) => n.endsWith(`_${TIMELINE_MIGRATION}`))).toHaveLength(1);
    }
  });

  it("a recording made before timelines were stored reads back with an empty one", async () => {
    const rec = await store.getRecording("old-rec");
    expect(rec).toMatchObject({ title: "Before timelines", tempoBpm: 100, timeline: [] });
    expect(await store.getTimeline("old-rec")).toEqual([]);
  });

  it("stores the grid(s) with the recording, appends changes, and a change replaces pending ones", async () => {
    await store.createRoom({ code: "tl-room-1", tempoBpm: 120, beatsPerBar: 6 });
    const epochMs = 1_764_000_000_000.125;
    await store.createRecording({
      id: "tl-rec-1",
      roomCode: "tl-room-1",
      title: "Six-eight",
      startedAtMs: epochMs + 10_123.5,
      tempoBpm: 120,
      beatsPerBar: 6,
      beatUnit: 8,
      participantIds: [],
      timeline: [grid(epochMs, 120)],
    });
    await store.addTimelineEntry("tl-rec-1", grid(epochMs + 30_000, 90));
    // changed again before it took effect, at the same bar line: replaced
    await store.addTimelineEntry("tl-rec-1", grid(epochMs + 30_000, 95));
    await store.addTimelineEntry("tl-rec-1", grid(epochMs + 50_000, 100, 4, 4));
    // a change taking effect earlier than a pending one removes it
    await store.addTimelineEntry("tl-rec-1", grid(epochMs + 46_000, 110, 3, 4));
    const want = [grid(epochMs, 120), grid(epochMs + 30_000, 95), grid(epochMs + 46_000, 110, 3, 4)];
    expect(await store.getTimeline("tl-rec-1")).toEqual(want);
    expect((await store.getRecording("tl-rec-1"))!.timeline).toEqual(want);
    // deleting the recording deletes its timeline
    expect(await store.deleteRecording("tl-rec-1")).toBe(true);
    expect(await store.getTimeline("tl-rec-1")).toEqual([]);
  });

  it("refuses a grid nothing could be made of, loudly and with the value", async () => {
    await store.createRoom({ code: "tl-room-2", tempoBpm: 120, beatsPerBar: 4 });
    await store.createRecording({ id: "tl-rec-2", roomCode: "tl-room-2", title: "x", startedAtMs: 0, tempoBpm: 120, beatsPerBar: 4, participantIds: [], timeline: [grid(0, 120, 4, 4)] });
    await expect(store.addTimelineEntry("tl-rec-2", grid(10, 0))).rejects.toThrow(/tempoBpm must be a positive number, got: 0/);
    await expect(store.addTimelineEntry("tl-rec-2", grid(10, 120, 4, 3))).rejects.toThrow(/beatUnit must be 4 or 8, got: 3/);
    await expect(store.addTimelineEntry("no-such-recording", grid(10, 120))).rejects.toThrow();
    expect(await store.getTimeline("tl-rec-2")).toEqual([grid(0, 120, 4, 4)]);
  });
});
