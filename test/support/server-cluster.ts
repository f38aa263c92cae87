/**
 * Several real Backbeat server processes sharing one PostgreSQL database and one Redis, behind
 * a real nginx that routes by room (test/support/nginx.ts) — the deployment of docs/deploy.md
 * on one machine. Short room leases (ROOM_LEASE_MS) so a dead server's rooms move within a
 * second or two.
 */
import { createClient } from "redis";
import { io } from "socket.io-client";
import type { Client } from "../integration/helpers";
import { postgresDatabase } from "../integration/faults/support";
import { startNginx, type Nginx } from "./nginx";
import { spawnApiServer, type ApiServerProcess } from "./server-process";

export interface ServerCluster {
  servers: ApiServerProcess[];
  nginx: Nginx;
  /** the server whose process holds the room's lease (bb:room:<code>:owner = "<pid>-<random>"), or null */
  ownerOf(code: string): Promise<ApiServerProcess | null>;
  /** rooms the server holds in memory (GET /api/health); null when it does not answer */
  roomsInMemory(server: ApiServerProcess): Promise<number | null>;
  /** the server nginx sends the room's requests to now (probed with a request nginx logs) */
  routedTo(code: string): Promise<ApiServerProcess | null>;
}

export async function startServerCluster(
  n: number,
  opts: { databaseUrl: string; redisUrl: string; leaseMs: number; cleanups: (() => Promise<void> | void)[] },
): Promise<ServerCluster> {
  const db = postgresDatabase(opts.databaseUrl);
  opts.cleanups.push(() => db.cleanup());
  // Every client comes from 127.0.0.1 (through nginx): per-address limits are not under test.
  const env = { ...process.env, REDIS_URL: opts.redisUrl, ROOM_LEASE_MS: String(opts.leaseMs), IP_CONNECTION_LIMITS: "off" };
  // All at once: migrations from several servers are serialised by the schema engine's lock.
  const servers = await Promise.all(Array.from({ length: n }, () => spawnApiServer({ databaseUrl: db.url, env, startTimeoutMs: 60_000 })));
  for (const s of servers) opts.cleanups.push(() => s.kill9());
  const nginx = await startNginx({ backends: servers.map((s) => s.port) });
  opts.cleanups.push(() => nginx.stop());
  const redis = createClient({ url: opts.redisUrl });
  redis.on("error", () => undefined);
  await redis.connect();
  opts.cleanups.push(() => void redis.quit().catch(() => undefined));

  const byPort = (addr: string | undefined) => servers.find((s) => addr === `127.0.0.1:${s.port}`) ?? null;
  return {
    servers,
    nginx,
    async ownerOf(code) {
      const holder = await redis.get(`bb:room:${code}:owner`);
      const pid = holder ? Number(holder.split("-")[0]) : NaN;
      return servers.find((s) => s.pid === pid) ?? null;
    },
    async roomsInMemory(server) {
      // A busy machine may be slow to answer: a few tries before calling the server silent.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
          return ((await res.json()) as { roomsInMemory: number }).roomsInMemory;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      return null;
    },
    async routedTo(code) {
      const probe = `probe-${Math.random().toString(36).slice(2)}`;
      // Long-polling is refused by the servers (400): harmless, and nginx logs where it went.
      await fetch(`${nginx.url}/socket.io/?EIO=4&transport=polling&room=${encodeURIComponent(code)}&probe=${probe}`).then((r) => r.arrayBuffer()).catch(() => undefined);
      for (let i = 0; i < 20; i++) {
        const line = nginx.routed().find((r) => r.uri.includes(probe));
        if (line) return byPort(line.upstreams.at(-1));
        await new Promise((r) => setTimeout(r, 10));
      }
      return null;
    },
  };
}

/** A plain socket through the balancer for room `code` (no reconnection): for single requests. */
export function connectVia(url: string, code: string): Promise<Client> {
  const socket: Client = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, query: { room: code } });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}
