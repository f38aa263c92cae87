/**
 * Loads Prisma's schema engine compiled to WebAssembly. The native engine the
 * Prisma CLI uses for `migrate` cannot be downloaded here; this is the same
 * engine, driven through a driver adapter instead of its own drivers.
 *
 * The package's entry point imports its .wasm as an ES module, which Node 20
 * only allows behind --experimental-wasm-modules. Instantiating it by hand
 * from the glue module works on plain Node, under `node --import tsx` and
 * under vitest.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  mockAdapter,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";

export type { SchemaEngine };

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

// The glue module holds the instance in a module-level variable. It is cached
// by Node even when a test runner gives each test file fresh copies of our
// own modules, so remember per glue module (not per copy of this file) that
// it has been initialised.
const INIT_KEY = Symbol.for("backbeat.schemaEngineWasm.init");
type InitRegistry = WeakMap<object, Promise<void>>;
const registryHost = globalThis as typeof globalThis & { [INIT_KEY]?: InitRegistry };

/**
 * The engine arms a 10 s timer around PostgreSQL's migration advisory lock
 * and never clears it (the glue has no clearTimeout import), which kept every
 * process that migrated alive for ~10 s after the work was done. The timer
 * only ever races a query whose socket keeps the process alive anyway, so
 * unref'ing the engine's timers loses nothing.
 */
function withUnrefTimers(imports: typeof glue): WebAssembly.ModuleImports {
  const patched: WebAssembly.ModuleImports = {};
  for (const [name, value] of Object.entries(imports)) {
    patched[name] = name.startsWith("__wbg_setTimeout_")
      ? (...args: unknown[]): unknown => {
          const timer: unknown = Reflect.apply(value, undefined, args);
          if (typeof timer === "object" && timer !== null && "unref" in timer && typeof timer.unref === "function") {
            timer.unref();
          }
          return timer;
        }
      : value;
  }
  return patched;
}

function initWasm(): Promise<void> {
  const registry = (registryHost[INIT_KEY] ??= new WeakMap());
  let init = registry.get(glue);
  if (!init) {
    init = (async () => {
      const require = createRequire(import.meta.url);
      // The package's "exports" do not list the .wasm file; it sits next to the glue.
      const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
      const bytes = await readFile(join(dirname(gluePath), "schema_engine_bg.wasm"));
      const module = await WebAssembly.compile(bytes);
      const instance = await WebAssembly.instantiate(module, { "./schema_engine_bg.js": withUnrefTimers(glue) });
      glue.__wbg_set_wasm(instance.exports);
      (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    })();
    registry.set(glue, init);
    init.catch(() => registry.delete(glue));
  }
  return init;
}

export interface EngineOptions {
  /** schema.prisma text, named as in error messages */
  datamodel: { path: string; content: string };
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** engine log lines (JSON); dropped unless given */
  onLog?: (line: string) => void;
}

export async function createSchemaEngine(options: EngineOptions): Promise<SchemaEngine> {
  await initWasm();
  return glue.SchemaEngine.new(
    { datamodels: [[options.datamodel.path, options.datamodel.content]] },
    (line: string) => options.onLog?.(line),
    bindMigrationAwareSqlAdapterFactory(options.adapterFactory),
  );
}

/**
 * A database-free adapter factory for `diff` between two datamodels.
 *
 * The SQLite connector needs no queries for that, but the PostgreSQL one
 * probes the server once on connect (namespace exists? which version?).
 * We answer that probe as a PostgreSQL 15 with the `public` schema; any
 * other query is a bug in our use of the engine and fails.
 */
export function offlineAdapterFactory(provider: "sqlite" | "postgres"): SqlMigrationAwareDriverAdapterFactory {
  const connect = async (): Promise<SqlDriverAdapter> => ({
    ...mockAdapter(provider),
    adapterName: "backbeat-offline",
    queryRaw: async (query: SqlQuery): Promise<SqlResultSet> => {
      if (provider === "postgres" && query.sql.includes("FROM pg_namespace") && query.sql.includes("version()")) {
        return {
          columnNames: ["exists", "version", "numeric_version"],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, "PostgreSQL 15.0 (offline diff)", 150000]],
        };
      }
      throw new Error(`offline schema engine adapter cannot run: ${query.sql}`);
    },
    dispose: async () => {},
    getConnectionInfo: () => ({ supportsRelationJoins: provider === "postgres" }),
  });
  return {
    provider,
    adapterName: "backbeat-offline",
    connect,
    connectToShadowDb: connect,
  };
}
