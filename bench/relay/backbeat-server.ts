/**
 * Server under test (a): the real Backbeat server — startBackbeatServer from
 * server/app.ts with openStore on a temporary SQLite file, no Next — as its
 * own process, so bench/relay.ts can sample its CPU and memory in /proc.
 * Validation, the room logic and recording are all on: the load generator
 * starts a recording in every room.
 *
 * WORKERS (as in production, server/workers.ts): "auto" runs a primary that
 * routes each room's connections to one of N worker processes (one per core);
 * "1" (default) is one process.
 *
 *   WORKERS=auto node --import tsx bench/relay/backbeat-server.ts      → prints "READY <port>"
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackbeatServer } from "../../server/app";
import { LIFTED_CONNECTION_LIMITS } from "../../server/connection-limits";
import { applyMigrations, openStore } from "../../server/storage";
import { isWorkerProcess, runPrimary, workerCount } from "../../server/workers";

let logged = 0;
// Count everything, print the first few: a flood of errors would itself be load.
const log = (msg: string, err?: unknown) => {
  if (++logged <= 5) console.error(`[backbeat-server] ${msg}`, err ?? "");
};

function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 10_000).unref();
    void stop()
      .catch(() => undefined)
      .finally(() => {
        if (logged > 5) console.error(`[backbeat-server] ${logged} log lines in all`);
        process.exit(0);
      });
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}

/** One process, or one worker of the primary below (then the primary owns the port and the database file). */
async function serve(dbUrl: string, worker: boolean): Promise<void> {
  const store = await openStore(dbUrl, { migrate: !worker });
  const server = await startBackbeatServer({
    store,
    port: 0, // a worker listens on nothing: the primary owns the port
    host: "127.0.0.1",
    worker,
    // 1,000 load-generator sockets all from 127.0.0.1: the per-address connection limits would refuse them.
    rateLimits: { connections: LIFTED_CONNECTION_LIMITS },
    log,
  });
  if (!worker) console.log(`READY ${server.port}`);
  onStop(() => server.close().then(() => store.close()));
}

async function main(): Promise<void> {
  if (isWorkerProcess()) return serve(process.env.BENCH_DB!, true);
  const dir = mkdtempSync(join(tmpdir(), "backbeat-relay-bench-"));
  const dbUrl = `file:${join(dir, "bench.db")}`;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const workers = workerCount(process.env.WORKERS);
  if (workers === 1) return serve(dbUrl, false);

  await applyMigrations("sqlite", dbUrl);
  const primary = await runPrimary({ workers, port: 0, host: "127.0.0.1", log, env: { BENCH_DB: dbUrl } });
  console.log(`READY ${primary.port}`);
  onStop(() => primary.close());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
