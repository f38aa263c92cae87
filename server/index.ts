/** Entry point: `node --import tsx server/index.ts` (see package.json scripts). */
import next from "next";
import { loadEnv } from "./env";
import { isPrimaryFromEnv, runFromEnv, runPrimaryFromEnv } from "./run";

const fail = (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
};

const env = (() => {
  try {
    return loadEnv();
  } catch (err) {
    return fail(err);
  }
})();

if (isPrimaryFromEnv(env)) {
  // WORKERS > 1: fork the workers (each runs this file again) and route rooms to them.
  runPrimaryFromEnv(env)
    .then(({ port, workers }) => console.log(`Backbeat ready on http://localhost:${port} (${workers} workers; each room lives in one)`))
    .catch(fail);
} else {
  runFromEnv({
    pages: async (env) => {
      const nextApp = next({ dev: env.NODE_ENV === "development", hostname: env.HOST, port: env.PORT, dir: process.cwd() });
      await nextApp.prepare();
      const handle = nextApp.getRequestHandler();
      return { handle: (req, res) => handle(req, res), close: async () => nextApp.close?.() };
    },
  })
    .then(({ env, store, cluster, server }) => {
      const dev = env.NODE_ENV === "development";
      const where = process.env.BACKBEAT_WORKER_INDEX !== undefined ? `worker ${process.env.BACKBEAT_WORKER_INDEX} ready` : `Backbeat ready on ${server.url}`;
      console.log(`${where} (${store.kind}${cluster ? `, shared through Redis as ${cluster.serverId}` : ""}${dev ? ", dev" : ""})`);
    })
    .catch(fail);
}
