/**
 * Builds a Backbeat server: HTTP API + (optionally) the Next.js app + Socket.IO
 * on one port. Dependencies are passed in, so tests start a real server on a
 * free port with a temporary database and no Next.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { IceServer } from "../core/protocol";
import type { Rng } from "../core/rng";
import { AddressLimiter, type LimiterStore } from "./address-limits";
import { compileTrust, trustsNoProxy, type TrustProxy } from "./client-address";
import { ConnectionGate } from "./connection-limits";
import { handleApi } from "./http";
import { resolveRateLimits, type RateLimitOptions } from "./rate-limit";
import type { RoomOwnership } from "./ownership";
import { systemClock, type Clock } from "./room/clock";
import { RoomService } from "./room/service";
import { setSecurityHeaders, type SecurityOptions } from "./security";
import type { Cluster } from "./cluster";
import { roomFanout } from "./room-fanout";
import { attachSocketServer } from "./socket";
import { acceptHandoffs } from "./workers";
import type { Store } from "./store";

export type PageHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface BackbeatServerOptions {
  store: Store;
  port: number;
  host?: string;
  /** serves everything that is not /api or /socket.io; without it those get 404 */
  pages?: PageHandler;
  /** the shared clock in ms; defaults to the process's monotonic clock on the Unix epoch */
  now?: () => number;
  /** the rooms' clock and timers (server/room/clock.ts); real timers on `now` by default */
  clock?: Clock;
  /** (unused: room codes and ids come from crypto randomness) */
  rng?: Rng;
  /** who owns which room (server/ownership.ts): the cluster's leases with REDIS_URL, else every room is this process's */
  ownership?: RoomOwnership;
  log?: (msg: string, err?: unknown) => void;
  /** per-socket and per-address (`connections`) rate limits, merged onto DEFAULT_RATE_LIMITS (server/rate-limit.ts) */
  rateLimits?: RateLimitOptions;
  /** the proxies in front whose X-Forwarded-For is believed for the per-address limits (TRUST_PROXY; none by default) */
  trustProxy?: TrustProxy;
  /**
   * How long a room nobody here is connected to stays in memory (its state is in the
   * database): RoomService's DEFAULT_ROOM_IDLE_MS by default, 0 = as soon as the last member leaves.
   */
  roomIdleMs?: number;
  /** with `cluster`: the Redis key prefix of the per-address limits (RATE_LIMIT_NAMESPACE; "backbeat") */
  rateLimitNamespace?: string;
  /** the secret the server's own pages send to its API, exempting them from per-address limits (server/http.ts) */
  internalToken?: string;
  /**
   * Security headers and origin checks (server/security.ts); `dev` defaults to
   * NODE_ENV === "development" (the CSP then allows 'unsafe-eval' for hot reload).
   */
  security?: SecurityOptions;
  /** several servers, each room owned by one of them through a lease in Redis (server/cluster.ts); without, every room is this process's */
  cluster?: Cluster;
  /**
   * Run as one of several worker processes on this machine (server/workers.ts):
   * connections arrive from the primary, which owns the port, instead of a
   * listening socket of our own; every room's sockets land in one worker.
   */
  worker?: boolean;
  /** ICE_SERVERS: STUN/TURN servers players' direct channels may use (issue 15); none = host candidates only */
  iceServers?: IceServer[];
}

export interface BackbeatServer {
  url: string;
  port: number;
  rooms: RoomService;
  close(): Promise<void>;
}

export const monotonicEpochNow = (): number => performance.timeOrigin + performance.now();

export async function startBackbeatServer(opts: BackbeatServerOptions): Promise<BackbeatServer> {
  const now = opts.now ?? monotonicEpochNow;
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`[backbeat] ${msg}`, err ?? ""));
  // Broadcasts go through Socket.IO rooms (each event encoded once); a room's sockets are all on its owner.
  let ioRef: ReturnType<typeof attachSocketServer> | null = null;
  let handoff: ReturnType<typeof acceptHandoffs> | null = null;
  const rooms = new RoomService({
    store: opts.store,
    clock: opts.clock ?? systemClock(now),
    log,
    idleRoomMs: opts.roomIdleMs,
    iceServers: opts.iceServers,
    ownership: opts.ownership ?? opts.cluster?.ownership,
    fanout: roomFanout(() => ioRef),
    // a rename/delete over HTTP may land on another process than the room's owner: tell the others
    onRecordingsChanged: (code) => (opts.cluster ? opts.cluster.recordingsChanged(code) : handoff?.recordingsChanged(code)),
  });
  const startedAt = new Date();
  // Per-address limits, shared by all servers through Redis, or by the workers of this machine
  // through the primary (server/address-limits.ts).
  const limitStore: LimiterStore = opts.cluster
    ? { kind: "redis", client: opts.cluster.redis, namespace: opts.rateLimitNamespace }
    : opts.worker
      ? { kind: "cluster" }
      : { kind: "memory" };
  const trust = opts.trustProxy ?? 0;
  const gate = new ConnectionGate({
    limiter: new AddressLimiter(resolveRateLimits(opts.rateLimits).connections, limitStore, log),
    trust: compileTrust(trust),
    trustsNoProxy: trustsNoProxy(trust),
    log,
  });
  const security: SecurityOptions = { dev: process.env.NODE_ENV === "development", ...opts.security };

  const httpServer = createServer((req, res) => {
    void (async () => {
      setSecurityHeaders(req, res, security);
      // A worker's connections were routed by their first request: a kept-alive connection
      // must not carry a later request (or WebSocket upgrade) for a room another worker owns.
      if (opts.worker) res.setHeader("Connection", "close");
      if (await handleApi(req, res, { store: opts.store, rooms, startedAt, allowedOrigins: security.allowedOrigins, limits: gate, internalToken: opts.internalToken })) return;
      if (opts.pages) return opts.pages(req, res);
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    })().catch((err: unknown) => {
      log("request failed", err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal server error");
    });
  });
  const io = attachSocketServer(httpServer, {
    rooms,
    now,
    log,
    rateLimits: opts.rateLimits,
    gate,
    allowedOrigins: security.allowedOrigins,
    // Connections are routed by room (the primary, or nginx's hash of ?room=): a socket may only
    // join the room it was routed for, or it would pull that room away from its owner.
    roomAffinity: opts.worker === true || opts.cluster !== undefined,
  });
  ioRef = io;

  opts.cluster?.onRecordingsChanged((code) => {
    rooms.recordingsChanged(code, { fromPeer: true }).catch((err: unknown) => log("refreshing recordings failed", err));
  });
  let port = opts.port;
  if (opts.worker) {
    handoff = acceptHandoffs(httpServer, (code) => {
      rooms.recordingsChanged(code, { fromPeer: true }).catch((err: unknown) => log("refreshing recordings failed", err));
    });
    handoff.ready();
  } else {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
    });
    port = (httpServer.address() as AddressInfo).port;
  }
  const shownHost = !opts.host || opts.host === "0.0.0.0" || opts.host === "::" ? "localhost" : opts.host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    rooms,
    /**
     * Graceful stop (SIGTERM): stop accepting connections, write every pending
     * hit, then disconnect the clients — they reconnect on their own, through
     * the load balancer to another server — and close.
     */
    async close() {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await rooms.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeAllConnections();
      handoff?.closeAll();
      await closed;
    },
  };
}
