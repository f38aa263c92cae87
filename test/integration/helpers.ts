/** Shared set-up for integration tests: a real server on a free port, a real database, real clients. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import pg from "pg";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { io, type Socket } from "socket.io-client";
import { PROTOCOL_VERSION, type ClientToServerEvents, type IceServer, type RoomView, type ServerToClientEvents } from "../../core/protocol";
import { seededRng } from "../../core/rng";
import { startBackbeatServer, type BackbeatServer } from "../../server/app";
import type { RateLimitOptions } from "../../server/rate-limit";
import type { Clock } from "../../server/room/clock";
import { openStore } from "../../server/storage";
import type { Store } from "../../server/store";

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  server: BackbeatServer;
  store: Store;
  databaseUrl: string;
  stop(): Promise<void>;
}

export function tempSqliteUrl(): { url: string; cleanup: () => void } {
  const dir = mkdtempSync(joinPath(tmpdir(), "backbeat-test-"));
  return { url: `file:${joinPath(dir, "test.db")}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A throwaway schema in a PostgreSQL database, so runs never see each other's rows
 * (seeded room codes would collide). `via` makes the server connect through a proxy.
 */
export function freshPostgresSchema(baseUrl: string, prefix = "bb_it", via?: { host: string; port: number }): { url: string; cleanup: () => Promise<void> } {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const url = new URL(baseUrl);
  url.searchParams.set("schema", schema);
  if (via) {
    url.hostname = via.host;
    url.port = String(via.port);
  }
  return {
    url: url.toString(),
    async cleanup() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function startTestServer(
  opts: {
    databaseUrl?: string;
    seed?: number;
    rateLimits?: RateLimitOptions;
    log?: (msg: string, err?: unknown) => void;
    /** the server's shared clock and room timers (a FakeClock: bar lines without sleeping) */
    clock?: Clock;
    /** ICE_SERVERS handed to players with the join answer */
    iceServers?: IceServer[];
  } = {},
): Promise<TestServer> {
  const tmp = opts.databaseUrl ? null : tempSqliteUrl();
  const pgSchema = opts.databaseUrl && /^postgres/.test(opts.databaseUrl) ? freshPostgresSchema(opts.databaseUrl) : null;
  const databaseUrl = pgSchema?.url ?? opts.databaseUrl ?? tmp!.url;
  const store = await openStore(databaseUrl);
  const server = await startBackbeatServer({ store, port: 0, host: "127.0.0.1", rng: seededRng(opts.seed ?? 1), log: opts.log ?? (() => undefined), rateLimits: opts.rateLimits, iceServers: opts.iceServers, ...(opts.clock ? { clock: opts.clock, now: () => opts.clock!.now() } : {}) });
  return {
    server,
    store,
    databaseUrl,
    async stop() {
      await server.close();
      await store.close();
      tmp?.cleanup();
      await pgSchema?.cleanup();
    },
  };
}

export function connect(url: string): Promise<Client> {
  const socket: Client = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

export async function join(socket: Client, roomCode: string, participantId: string, name: string, hostToken?: string): Promise<RoomView> {
  const res = await socket.emitWithAck("join", { protocolVersion: PROTOCOL_VERSION, roomCode, participantId, name, hostToken });
  if (!res.ok) throw new Error(`join failed: ${res.error.message}`);
  return res.data.room;
}

export function nextEvent<E extends keyof ServerToClientEvents>(socket: Client, event: E, timeoutMs = 5000): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${String(event)}" within ${timeoutMs} ms`)), timeoutMs);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- generic listener over a typed event map
    socket.once(event, ((payload: any) => {
      clearTimeout(timer);
      resolve(payload);
    }) as never);
  });
}

export async function createRoomAsHost(baseUrl: string): Promise<{ code: string; hostToken: string }> {
  const res = await fetch(`${baseUrl}/api/rooms`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (res.status !== 201) throw new Error(`create room: ${res.status}`);
  return (await res.json()) as { code: string; hostToken: string };
}

export async function createRoom(baseUrl: string): Promise<string> {
  return (await createRoomAsHost(baseUrl)).code;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
