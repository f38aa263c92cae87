/**
 * The storage entry point: `openStore(DATABASE_URL)` migrates the database
 * and returns a Store. Only server/storage imports Prisma or the generated
 * clients; the rest of the server sees server/store.ts.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresClient } from "../../generated/postgres/client";
import { PrismaClient as SqliteClient } from "../../generated/sqlite/client";
import type { Store } from "../store";
import { parseDatabaseUrl } from "./database-url";
import { applyMigrations } from "./migrate";
import Database from "better-sqlite3";
import { PrismaStore, type HitRow, type StoreClient } from "./prisma-store";

export { applyMigrations } from "./migrate";
export { parseDatabaseUrl } from "./database-url";

export async function openStore(databaseUrl: string): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  // Also creates the SQLite file's parent directory.
  await applyMigrations(target.kind, databaseUrl);

  if (target.kind === "sqlite") {
    const db = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: target.filePath }) });
    try {
      // The adapter opens one connection per client, so per-connection
      // pragmas set here hold for the client's life. WAL lets readers (the
      // recordings API) run while hits are written.
      await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
      // Enforced by default in better-sqlite3's build, but the schema's
      // cascades depend on it, so do not rely on a build flag.
      await db.$executeRawUnsafe("PRAGMA foreign_keys = ON");
    } catch (error) {
      await db.$disconnect();
      throw error;
    }
    return new PrismaStore("sqlite", db, lazySqliteHitWriter(target.filePath));
  }

  const adapter = new PrismaPg(
    {
      connectionString: target.connectionString,
      // Raw statements (addHits) are unqualified; the adapter's `schema`
      // only qualifies Prisma's own queries.
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    },
    { schema: target.schema },
  );
  const pgClient = new PostgresClient({ adapter });
  // The two generated clients differ only in their provider; their model
  // APIs are identical for this schema, except createMany's skipDuplicates,
  // which exists only on PostgreSQL and which PrismaStore does not use.
  const db = pgClient as unknown as StoreClient;
  return new PrismaStore("postgres", db);
}

/**
 * Hits are the one hot write (every flush, every recording room): through
 * Prisma's query interpreter they cost most of the server's CPU under load
 * (docs/benchmarks/relay.md). A second connection with one prepared statement
 * in one transaction does the same INSERT … ON CONFLICT DO NOTHING for a
 * fraction of the cost. It opens on the first hit write — after migrations,
 * which must not find a second connection holding the file. busy_timeout 0: if
 * the Prisma connection holds the write lock, fail at once (the flush retries a
 * second later) rather than block the event loop.
 */
function lazySqliteHitWriter(filePath: string): { write(rows: HitRow[]): number; close(): void } {
  let writer: { write(rows: HitRow[]): number; conn: Database.Database } | null = null;
  const open = () => {
    const conn = new Database(filePath);
    conn.pragma("foreign_keys = ON");
    conn.pragma("busy_timeout = 0");
    const insert = conn.prepare(
      `INSERT INTO "Hit" ("recordingId", "participantId", "seq", "strikeAtMs", "pad", "velocity") VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT ("recordingId", "participantId", "seq") DO NOTHING`,
    );
    const writeAll = conn.transaction((rows: HitRow[]) => {
      let n = 0;
      for (const r of rows) n += insert.run(r.recordingId, r.hit.participantId, r.hit.seq, r.hit.strikeAtMs, r.hit.pad, r.hit.velocity).changes;
      return n;
    });
    return { write: (rows: HitRow[]) => writeAll(rows), conn };
  };
  return {
    write(rows) {
      writer ??= open();
      return writer.write(rows);
    },
    close() {
      writer?.conn.close();
      writer = null;
    },
  };
}
