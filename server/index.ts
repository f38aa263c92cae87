/** Entry point: `node --import tsx server/index.ts` (see package.json scripts). */
import next from "next";
import { runFromEnv } from "./run";

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
    console.log(`Backbeat ready on ${server.url} (${store.kind}${cluster ? `, shared through Redis as ${cluster.serverId}` : ""}${dev ? ", dev" : ""})`);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
