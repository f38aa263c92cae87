/**
 * Several servers (REDIS_URL): what they share through Redis, which is little, because each room
 * has one owner process and its connections are routed to it (nginx `hash $arg_room
 * consistent`; docs/deploy.md). Room state, hits and broadcasts never cross Redis.
 *
 * - the room leases (server/ownership-redis.ts): who owns which room, and handover requests;
 * - "the recordings of room X changed": a rename or delete over HTTP may reach a server that
 *   does not own the room; it publishes this and the owner refreshes its list;
 * - the per-address limits count in the same client (server/address-limits.ts).
 *
 * Without REDIS_URL nothing here runs: every room is this process's (LocalOwnership), and
 * workers on one machine pass the recordings notice through their primary (server/workers.ts).
 */
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { RedisOwnership } from "./ownership-redis";

/** message: `<serverId>|<room code>` */
const RECORDINGS_CHANNEL = "bb:recordings-changed";

export interface Cluster {
  serverId: string;
  ownership: RedisOwnership;
  /** the connected client: the per-address limits count in it (server/address-limits.ts) */
  redis: ReturnType<typeof createClient>;
  /** Tells every other server that this room's recordings changed (its owner refreshes them). */
  recordingsChanged(code: string): void;
  /** Called with the room code when another server says so. */
  onRecordingsChanged(cb: (code: string) => void): void;
  close(): Promise<void>;
}

export async function connectCluster(
  redisUrl: string,
  log: (msg: string, err?: unknown) => void,
  opts: { leaseMs?: number } = {},
): Promise<Cluster> {
  const serverId = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const client = createClient({ url: redisUrl });
  const subscriber = client.duplicate();
  // Errors are reported and retried by the client (it reconnects); they must not crash the process.
  client.on("error", (err: unknown) => log("redis client error", err));
  subscriber.on("error", (err: unknown) => log("redis subscriber error", err));
  await Promise.all([client.connect(), subscriber.connect()]);

  const ownership = new RedisOwnership(serverId, client, subscriber, { leaseMs: opts.leaseMs, log });
  await ownership.start();

  const recordingsListeners: ((code: string) => void)[] = [];
  await subscriber.subscribe(RECORDINGS_CHANNEL, (message) => {
    const sep = message.indexOf("|");
    if (sep < 0 || message.slice(0, sep) === serverId) return; // our own notice: handled before it was sent
    const code = message.slice(sep + 1);
    for (const cb of recordingsListeners) cb(code);
  });

  return {
    serverId,
    ownership,
    redis: client,
    recordingsChanged(code) {
      client.publish(RECORDINGS_CHANNEL, `${serverId}|${code}`).catch((err: unknown) => log(`recordings notice for room ${code} not sent`, err));
    },
    onRecordingsChanged(cb) {
      recordingsListeners.push(cb);
    },
    async close() {
      await ownership.close();
      await subscriber.quit().catch(() => undefined);
      await client.quit().catch(() => undefined);
    },
  };
}
