/**
 * Server under test (a): the real Backbeat server — startBackbeatServer from
 * server/app.ts with openStore on a temporary SQLite file, no Next — as its
 * own process, so bench/relay.ts can sample its CPU and memory in /proc.
 * Validation (zod), the room logic and recording are all on: the load
 * generator starts a recording in every room.
 *
 *   node --import tsx bench/relay/backbeat-server.ts      → prints "READY <port>"
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackbeatServer } from "../../server/app";
import { LIFTED_CONNECTION_LIMITS } from "../../server/connection-limits";
import { openStore } from "../../server/storage";

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "backbeat-relay-bench-"));
  const store = await openStore(`file:${join(dir, "bench.db")}`);
  let logged = 0;
  const server = await startBackbeatServer({
    store,
    port: 0,
    host: "127.0.0.1",
    // 1,000 load-generator sockets all from 127.0.0.1: the per-address connection limits would refuse them.
    rateLimits: { connections: LIFTED_CONNECTION_LIMITS },
    // Count everything, print the first few: a flood of errors would itself be load.
    log: (msg, err) => {
      if (++logged <= 5) console.error(`[backbeat-server] ${msg}`, err ?? "");
    },
  });
  console.log(`READY ${server.port}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5_000).unref();
    void server
      .close()
      .then(() => store.close())
      .catch(() => undefined)
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        if (logged > 5) console.error(`[backbeat-server] ${logged} log lines in all`);
        process.exit(0);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
