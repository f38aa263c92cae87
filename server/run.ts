/**
 * Runs a Backbeat server from the environment (server/env.ts): opens the
 * store, joins the cluster when REDIS_URL is set (room leases: server/cluster.ts), starts listening, and stops
 * gracefully on SIGINT/SIGTERM. server/index.ts adds the Next pages; tests and
 * benchmarks run it without them. With WORKERS > 1 the first process is the
 * primary (runPrimaryFromEnv) and each worker runs runFromEnv.
 */
import { randomBytes } from "node:crypto";
import { RateLimiterClusterMaster } from "rate-limiter-flexible";
import { startBackbeatServer, type BackbeatServer, type PageHandler } from "./app";
import { connectCluster, type Cluster } from "./cluster";
import { LIFTED_CONNECTION_LIMITS } from "./connection-limits";
import { loadEnv, type Env } from "./env";
import { applyMigrations, openStore, parseDatabaseUrl } from "./storage";
import { isWorkerProcess, runPrimary, workerCount } from "./workers";
import type { Store } from "./store";

export interface Running {
  env: Env;
  store: Store;
  cluster: Cluster | undefined;
  server: BackbeatServer;
}

/**
 * The secret the server's own pages send to its API (server/http.ts INTERNAL_REQUEST_HEADER),
 * made once per start; workers inherit it from their primary.
 */
function ensureInternalToken(): void {
  process.env.BACKBEAT_INTERNAL_TOKEN ||= randomBytes(24).toString("base64url");
}

export async function runFromEnv(opts: { pages?: (env: Env) => Promise<{ handle: PageHandler; close?: () => Promise<void> }> } = {}): Promise<Running> {
  const env = loadEnv();
  ensureInternalToken();
  const worker = isWorkerProcess();
  const log = (msg: string, err?: unknown) => console.error(`[backbeat${worker ? ` worker ${process.env.BACKBEAT_WORKER_INDEX}` : ""}] ${msg}`, err ?? "");
  // A worker's primary has migrated the database already.
  const store = await openStore(env.DATABASE_URL, { migrate: !worker });
  const cluster = env.REDIS_URL ? await connectCluster(env.REDIS_URL, log, { leaseMs: env.ROOM_LEASE_MS }) : undefined;
  const pages = opts.pages ? await opts.pages(env) : undefined;
  const server = await startBackbeatServer({
    store,
    port: env.PORT,
    host: env.HOST,
    pages: pages?.handle,
    cluster,
    log,
    worker,
    trustProxy: env.TRUST_PROXY,
    roomIdleMs: env.ROOM_IDLE_SECONDS * 1000,
    iceServers: env.ICE_SERVERS,
    rateLimitNamespace: env.RATE_LIMIT_NAMESPACE,
    internalToken: process.env.BACKBEAT_INTERNAL_TOKEN,
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

/**
 * WORKERS > 1 (server/workers.ts): this process is the primary. It migrates
 * the database once, forks the workers (each runs the same entry point and so
 * runFromEnv), routes every connection to the worker owning its room, and on
 * SIGINT/SIGTERM stops accepting and lets each worker stop gracefully.
 */
export async function runPrimaryFromEnv(env: Env): Promise<{ port: number; workers: number }> {
  const log = (msg: string, err?: unknown) => console.error(`[backbeat] ${msg}`, err ?? "");
  const workers = workerCount(env.WORKERS);
  ensureInternalToken();
  // The workers' per-address limits count here, so the machine has one budget per address (server/address-limits.ts).
  if (!env.REDIS_URL) new RateLimiterClusterMaster();
  await applyMigrations(parseDatabaseUrl(env.DATABASE_URL).kind, env.DATABASE_URL);
  const primary = await runPrimary({ workers, port: env.PORT, host: env.HOST, log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down ${workers} workers`);
    void primary.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return { port: primary.port, workers };
}

/** Whether this process should be a primary forking WORKERS workers. */
export const isPrimaryFromEnv = (env: Env): boolean => workerCount(env.WORKERS) > 1 && !isWorkerProcess();
