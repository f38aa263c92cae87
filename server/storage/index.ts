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
import { PrismaStore, type StoreClient } from "./prisma-store";
import { sqliteHitWriter } from "./sqlite-hit-writer";

export { applyMigrations } from "./migrate";
export { parseDatabaseUrl } from "./database-url";

/**
 * `migrate: false` for worker processes (server/workers.ts): the primary has
 * migrated already, and several processes must not migrate one database at once.
 */
export async function openStore(databaseUrl: string, opts: { migrate?: boolean } = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  // Also creates the SQLite file's parent directory.
  if (opts.migrate !== false) await applyMigrations(target.kind, databaseUrl);

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
    return new PrismaStore("sqlite", db, sqliteHitWriter(target.filePath));
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
