/**
 * The Backbeat server without Next.js, for tests and benchmarks that need it
 * as a real child process (so it can be killed with SIGKILL):
 *
 *   PORT=0 DATABASE_URL=file:/tmp/x.db node --import tsx test/support/api-server.ts
 *
 * It is server/run.ts's runFromEnv without pages (or, with WORKERS > 1, the
 * primary of that many workers, each running this file), and prints one line
 * `backbeat-api ready on <url>` when it listens (workers print nothing).
 */
import { loadEnv } from "../../server/env";
import { isPrimaryFromEnv, runFromEnv, runPrimaryFromEnv } from "../../server/run";
import { isWorkerProcess } from "../../server/workers";

const fail = (err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
};

const env = loadEnv();
if (isPrimaryFromEnv(env)) {
  runPrimaryFromEnv(env)
    .then(({ port, workers }) => console.log(`backbeat-api ready on http://127.0.0.1:${port} (${workers} workers)`))
    .catch(fail);
} else {
  runFromEnv()
    .then(({ store, server }) => {
      if (!isWorkerProcess()) console.log(`backbeat-api ready on http://127.0.0.1:${server.port} (${store.kind})`);
    })
    .catch(fail);
}
