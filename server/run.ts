/**
 * Runs a Backbeat server from the environment (server/env.ts): opens the
 * store, joins the cluster when REDIS_URL is set, starts listening, and stops
 * gracefully on SIGINT/SIGTERM. server/index.ts adds the Next pages; tests and
 * benchmarks run it without them.
 */
import { startBackbeatServer, type BackbeatServer, type PageHandler } from "./app";
import { connectCluster, type Cluster } from "./cluster";
import { LIFTED_CONNECTION_LIMITS } from "./connection-limits";
import { loadEnv, type Env } from "./env";
import { openStore } from "./storage";
import type { Store } from "./store";

export interface Running {
  env: Env;
  store: Store;
  cluster: Cluster | undefined;
  server: BackbeatServer;
}

export async function runFromEnv(opts: { pages?: (env: Env) => Promise<{ handle: PageHandler; close?: () => Promise<void> }> } = {}): Promise<Running> {
  const env = loadEnv();
  const log = (msg: string, err?: unknown) => console.error(`[backbeat] ${msg}`, err ?? "");
  const store = await openStore(env.DATABASE_URL);
  const cluster = env.REDIS_URL ? await connectCluster(env.REDIS_URL, log) : undefined;
  const pages = opts.pages ? await opts.pages(env) : undefined;
  const server = await startBackbeatServer({
    store,
    port: env.PORT,
    host: env.HOST,
    pages: pages?.handle,
    cluster,
    log,
    trustProxy: env.TRUST_PROXY,
    ...(env.IP_CONNECTION_LIMITS === "off" ? { rateLimits: { connections: LIFTED_CONNECTION_LIMITS } } : {}),
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    void server
      .close()
      .then(() => store.close())
      .then(() => cluster?.close())
      .then(() => pages?.close?.())
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return { env, store, cluster, server };
}
