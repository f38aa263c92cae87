/** Entry point: `node --import tsx server/index.ts` (see package.json scripts). */
import next from "next";
import { loadEnv } from "./env";
import { startBackbeatServer } from "./app";
import { openStore } from "./storage";
import { connectCluster } from "./cluster";

async function main(): Promise<void> {
  const env = loadEnv();
  const dev = env.NODE_ENV === "development";
  const store = await openStore(env.DATABASE_URL);
  const log = (msg: string, err?: unknown) => console.error(`[backbeat] ${msg}`, err ?? "");
  const cluster = env.REDIS_URL ? await connectCluster(env.REDIS_URL, log) : undefined;
  const nextApp = next({ dev, hostname: env.HOST, port: env.PORT, dir: process.cwd() });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();
  const server = await startBackbeatServer({
    store,
    port: env.PORT,
    host: env.HOST,
    pages: (req, res) => handle(req, res),
    cluster,
    log,
  });
  console.log(`Backbeat ready on ${server.url} (${store.kind}${cluster ? `, shared through Redis as ${cluster.serverId}` : ""}${dev ? ", dev" : ""})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    void server
      .close()
      .then(() => store.close())
      .then(() => cluster?.close())
      .then(() => nextApp.close?.())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
