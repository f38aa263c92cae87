/**
 * The Backbeat server without Next.js, for tests and benchmarks that need it
 * as a real child process (so it can be killed with SIGKILL):
 *
 *   PORT=0 DATABASE_URL=file:/tmp/x.db node --import tsx test/support/api-server.ts
 *
 * It is server/run.ts's runFromEnv without pages, and prints one line
 * `backbeat-api ready on <url>` when it listens.
 */
import { runFromEnv } from "../../server/run";

runFromEnv()
  .then(({ store, server }) => console.log(`backbeat-api ready on http://127.0.0.1:${server.port} (${store.kind})`))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
