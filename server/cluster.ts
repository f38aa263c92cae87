/**
 * Several server processes: with REDIS_URL, Socket.IO fans events out through
 * the Redis Streams adapter (it survives Redis hiccups) and rooms share their
 * state through RedisRoomSync. Without it, nothing here runs.
 */
import { randomBytes } from "node:crypto";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { RedisRoomSync, type RedisLike } from "./room-sync";

export interface Cluster {
  serverId: string;
  /** for `new Server(..., { adapter })` */
  adapter: ReturnType<typeof createAdapter>;
  sync: RedisRoomSync;
  /** the connected client: the per-address limits count in it (server/address-limits.ts) */
  redis: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

export async function connectCluster(redisUrl: string, log: (msg: string, err?: unknown) => void): Promise<Cluster> {
  const serverId = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const client = createClient({ url: redisUrl });
  const subscriber = client.duplicate();
  // Errors are reported and retried by the client (it reconnects); they must not crash the process.
  client.on("error", (err: unknown) => log("redis client error", err));
  subscriber.on("error", (err: unknown) => log("redis subscriber error", err));
  await Promise.all([client.connect(), subscriber.connect()]);
  const sync = new RedisRoomSync(serverId, client as unknown as RedisLike, subscriber);
  await sync.start();
  return {
    serverId,
    adapter: createAdapter(client, { streamName: "backbeat" }),
    sync,
    redis: client,
    async close() {
      await sync.close();
      await client.quit().catch(() => undefined);
    },
  };
}
