/**
 * One parser for DATABASE_URL, shared by migrations and the store, so both
 * always talk to the same database.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type DatabaseKind = "sqlite" | "postgres";

export type DatabaseTarget =
  | {
      kind: "sqlite";
      /** absolute path of the database file */
      filePath: string;
    }
  | {
      kind: "postgres";
      /** the URL without Prisma's `schema` parameter, which pg does not understand */
      connectionString: string;
      /** PostgreSQL schema (namespace) to use instead of `public`, from `?schema=` */
      schema: string | undefined;
    };

// Unquoted-identifier rule: the schema name ends up in `search_path`, and
// refusing anything else avoids quoting rules entirely.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `file:` URLs or bare paths → SQLite (relative paths resolve against the
 * working directory, not against the Prisma schema as the Prisma CLI would);
 * `postgres://` / `postgresql://` → PostgreSQL.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (url === "") throw new Error("Database URL is empty");

  if (/^postgres(ql)?:\/\//i.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`Database URL schema must match ${SCHEMA_NAME}, got: ${schema}`);
    }
    parsed.searchParams.delete("schema");
    return { kind: "postgres", connectionString: parsed.toString(), schema };
  }

  if (/^file:/i.test(url)) {
    // file:///abs/path is a real file URL; file:./rel and file:rel are Prisma's
    // traditional relative form, which the URL parser would mangle.
    const filePath = /^file:\/\//i.test(url) ? fileURLToPath(url.replace(/\?.*$/, "")) : url.slice(5).replace(/\?.*$/, "");
    return { kind: "sqlite", filePath: sqlitePath(filePath, databaseUrl) };
  }

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error(`Unsupported database URL scheme (use file: or postgresql://): ${url.split(":")[0]}`);
  }
  return { kind: "sqlite", filePath: sqlitePath(url, databaseUrl) };
}

function sqlitePath(path: string, original: string): string {
  if (path === "" || path.includes(":memory:")) {
    // Migrations and the store use separate connections, so an in-memory
    // database would be migrated and then thrown away.
    throw new Error(`SQLite needs a file path, got: ${original}`);
  }
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}
