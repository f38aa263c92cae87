/**
 * The Backbeat server without Next.js, for tests and benchmarks that need it
 * as a real child process (so it can be killed with SIGKILL):
 *
 *   PORT=0 DATABASE_URL=file:/tmp/x.db node --import tsx test/support/api-server.ts
 *
 * It does what server/index.ts does — loadEnv → openStore(DATABASE_URL) →
 * startBackbeatServer — minus the pages, and prints one line
 * `backbeat-api ready on <url>` when it listens.
 */
import { startBackbeatServer } from "../../server/app";
import { loadEnv } from "../../server/env";
import { openStore } from "../../server/storage";
import { connectCluster } from "../../server/cluster";

async function main(): Promise<void> {
  const env = loadEnv();
  const store = await openStore(env.DATABASE_URL);
  const log = (msg: string, err?: unknown) => console.error(`[backbeat] ${msg}`, err ?? "");
  const cluster = env.REDIS_URL ? await connectCluster(env.REDIS_URL, log) : undefined;
  const server = await startBackbeatServer({ store, port: env.PORT, host: env.HOST, cluster, log });
  console.log(`backbeat-api ready on http://127.0.0.1:${server.port} (${store.kind})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    void server
      .close()
      .then(() => store.close())
      .then(() => cluster?.close())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
