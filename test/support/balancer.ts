/**
 * A minimal TCP load balancer for tests, standing in for nginx: each new
 * connection goes to the next backend (round robin); a backend that refuses
 * the connection is skipped, so when a server dies its clients' reconnects
 * land on the survivors — as a load balancer with health checks would send them.
 */
import { createServer, Socket, type Server } from "node:net";

export interface Balancer {
  readonly port: number;
  /** connections sent to each backend port */
  readonly routed: Map<number, number>;
  close(): Promise<void>;
}

export async function startBalancer(backends: number[], host = "127.0.0.1"): Promise<Balancer> {
  let next = 0;
  const routed = new Map<number, number>();
  const sockets = new Set<Socket>();
  const connectTo = (client: Socket, tries: number): void => {
    if (tries >= backends.length) {
      client.destroy();
      return;
    }
    const port = backends[next++ % backends.length]!;
    const upstream = new Socket();
    sockets.add(upstream);
    upstream.once("error", () => {
      sockets.delete(upstream);
      if (!upstream.readyState || upstream.connecting) connectTo(client, tries + 1);
      else client.destroy();
    });
    upstream.connect(port, host, () => {
      routed.set(port, (routed.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once("close", end);
      upstream.once("close", end);
      client.on("error", end);
    });
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    connectTo(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    routed,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
