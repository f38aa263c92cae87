/**
 * A plain TCP proxy a test can cut: `cut()` destroys every open connection
 * (both sides see a reset) and makes new ones fail at once, until `restore()`.
 * Put it between a client and the server to drop that client's link, or in
 * front of PostgreSQL to make the database unreachable.
 *
 * While cut, the listening socket stays open (so nobody else can take the
 * port) and every accepted connection is destroyed immediately: to the
 * connecting side that is a connection reset, just like a refused connection
 * it fails at once rather than hanging.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";

export interface CuttableProxy {
  readonly port: number;
  readonly isCut: boolean;
  /** connections accepted (and forwarded) so far */
  readonly connections: number;
  /** connections refused while cut */
  readonly refused: number;
  /** Destroys every open connection and refuses new ones until restore(). With `forMs`, restores by itself after that long. */
  cut(forMs?: number): Promise<void>;
  restore(): void;
  close(): Promise<void>;
}

export function startCuttableProxy(target: { host: string; port: number }, listen: { port?: number; host?: string } = {}): Promise<CuttableProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let connections = 0;
  let refused = 0;
  let restoreTimer: ReturnType<typeof setTimeout> | null = null;

  const server = createServer({ noDelay: true }, (client) => {
    if (isCut) {
      refused++;
      client.destroy();
      return;
    }
    connections++;
    const upstream = createConnection({ host: target.host, port: target.port, noDelay: true });
    open.add(client);
    open.add(upstream);
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", teardown);
    upstream.on("error", teardown);
    client.on("close", teardown);
    upstream.on("close", teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  const restore = () => {
    if (restoreTimer) clearTimeout(restoreTimer);
    restoreTimer = null;
    isCut = false;
  };

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port ?? 0, listen.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve({
        get port() {
          return (server.address() as AddressInfo).port;
        },
        get isCut() {
          return isCut;
        },
        get connections() {
          return connections;
        },
        get refused() {
          return refused;
        },
        async cut(forMs?: number) {
          isCut = true;
          // resetAndDestroy sends an RST where available: the far side learns at once.
          for (const s of open) {
            if (typeof s.resetAndDestroy === "function" && !s.connecting) s.resetAndDestroy();
            else s.destroy();
          }
          open.clear();
          if (forMs !== undefined) {
            if (restoreTimer) clearTimeout(restoreTimer);
            restoreTimer = setTimeout(restore, forMs);
          }
        },
        restore,
        close: () =>
          new Promise<void>((done) => {
            restore();
            for (const s of open) s.destroy();
            open.clear();
            server.close(() => done());
          }),
      });
    });
  });
}
