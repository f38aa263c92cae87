/**
 * `prisma migrate deploy` without the native engine: applies the committed
 * migrations in prisma/migrations/<kind>/ through the WebAssembly schema
 * engine and a driver adapter, recording them in `_prisma_migrations` exactly
 * like the CLI does (so the two stay interchangeable).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { parseDatabaseUrl, type DatabaseKind } from "./database-url";
import { createSchemaEngine, NO_FILTERS } from "./schema-engine";

/** prisma/migrations, found from this file so the working directory does not matter. */
export const DEFAULT_MIGRATIONS_ROOT = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export const LOCK_FILE = "migration_lock.toml";
export const MIGRATION_FILE = "migration.sql";
/** The provider schema a migration was generated for; the next diff starts from the newest one. */
export const SCHEMA_SNAPSHOT_FILE = "schema.prisma";

/** Provider names as the engine and `migration_lock.toml` spell them. */
export const PRISMA_PROVIDER: Record<DatabaseKind, "sqlite" | "postgresql"> = {
  sqlite: "sqlite",
  postgres: "postgresql",
};

export interface MigrationDir {
  /** directory name, e.g. 20250101120000_init; also the name in _prisma_migrations */
  name: string;
  sql: string;
}

/** Migration directories of one provider, oldest first (names start with a UTC timestamp). */
export function readMigrationDirs(migrationsDir: string): MigrationDir[] {
  if (!existsSync(migrationsDir)) return [];
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, MIGRATION_FILE)))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(migrationsDir, name, MIGRATION_FILE), "utf8") }));
}

export interface ApplyMigrationsOptions {
  /** defaults to prisma/migrations next to this repository's server/ */
  migrationsRoot?: string;
  /** engine log lines, for debugging */
  onLog?: (line: string) => void;
}

/** Applies pending migrations; returns the names just applied (none on a second run). */
export async function applyMigrations(
  kind: DatabaseKind,
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== kind) {
    throw new Error(`applyMigrations(${kind}) was given a ${target.kind} database URL`);
  }
  const migrationsDir = join(options.migrationsRoot ?? DEFAULT_MIGRATIONS_ROOT, kind);
  const migrations = readMigrationDirs(migrationsDir);
  if (migrations.length === 0) throw new Error(`No migrations found in ${migrationsDir}`);
  const lockPath = join(migrationsDir, LOCK_FILE);
  const newest = migrations[migrations.length - 1]!;
  const snapshotPath = join(migrationsDir, newest.name, SCHEMA_SNAPSHOT_FILE);

  // Connection problems surface as rejected promises from our own driver
  // call here. Inside the engine, an adapter error during connect escaped as
  // an uncaught exception in testing (it crashed the process), so the
  // engine only gets a database we already know is reachable.
  let factory: SqlMigrationAwareDriverAdapterFactory;
  let pool: pg.Pool | undefined;
  if (target.kind === "sqlite") {
    mkdirSync(dirname(target.filePath), { recursive: true });
    factory = new PrismaBetterSqlite3({ url: target.filePath });
  } else {
    pool = new pg.Pool({
      connectionString: target.connectionString,
      max: 2,
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    try {
      await pool.query("SELECT 1");
      if (target.schema) {
        // IF NOT EXISTS is not safe against a concurrent CREATE: two servers starting together
        // on a new schema can see 23505 (unique_violation) or 42P06 (duplicate_schema); it exists then.
        await pool.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`).catch((err: { code?: string }) => {
          if (err?.code !== "23505" && err?.code !== "42P06") throw err;
        });
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    factory = new PrismaPg(pool, { schema: target.schema });
  }

  // The engine opens connections through the factory but does not promise to
  // close them; track them so nothing (a pg pool above all) outlives the call.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      throw new Error("applyMigrations never needs a shadow database");
    },
  };

  const engine = await createSchemaEngine({
    datamodel: {
      path: SCHEMA_SNAPSHOT_FILE,
      content: existsSync(snapshotPath) ? readFileSync(snapshotPath, "utf8") : "",
    },
    adapterFactory: tracked,
    onLog: options.onLog,
  }).catch(async (error: unknown) => {
    await pool?.end();
    throw error;
  });
  try {
    const result = await engine.applyMigrations({
      migrationsList: {
        baseDir: migrationsDir,
        lockfile: { path: LOCK_FILE, content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
        shadowDbInitScript: "",
        migrationDirectories: migrations.map((m) => ({
          path: m.name,
          migrationFile: { path: MIGRATION_FILE, content: { tag: "ok", value: m.sql } },
        })),
      },
      filters: NO_FILTERS,
    });
    return { applied: result.appliedMigrationNames };
  } finally {
    engine.free();
    // With an external pool, PrismaPg's dispose only detaches listeners; the
    // pool itself ends below. For SQLite, dispose closes the file handle.
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
    await pool?.end();
  }
}
