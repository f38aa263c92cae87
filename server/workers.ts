/**
 * Several worker processes on one machine (`WORKERS=2`, or `auto` = one per
 * core), with every room kept whole in one worker.
 *
 * Node's own cluster module hands each new connection to any worker, which
 * would split a room's sockets across processes (and its state, without
 * Redis). Instead the primary accepts the TCP connection, reads the HTTP
 * request line, and passes the socket (with the bytes it read) to the worker
 * that owns the room named in the URL (`/socket.io/?…&room=<code>`, which the
 * browser always sends; see app/lib/session.ts). Requests that name no room
 * (pages, the API) go round-robin. A room is owned by `hash(code) mod N`, so
 * a restarted worker gets its rooms back. This is the pattern of
 * @socket.io/sticky, keyed by room instead of by session id; across machines
 * the same routing is nginx's `hash $arg_room consistent` (docs/deploy.md).
 *
 * Rooms need nothing shared between workers: a room's state lives in the
 * worker that owns it, recordings in the database every worker opens. The
 * one cross-worker message is "this room's recordings changed" (a rename or
 * delete over HTTP may land on another worker).
 */
import nodeCluster, { type Worker } from "node:cluster";
import type { Server as HttpServer } from "node:http";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { availableParallelism } from "node:os";

/** IPC messages between primary and workers */
export type WorkerMessage =
  | { type: "backbeat:connection"; head: string }
  | { type: "backbeat:ready" }
  | { type: "backbeat:recordings-changed"; code: string };

/** `WORKERS`: a count, or "auto" for one per core; 1 = no workers (one process) */
export function workerCount(value: string | undefined): number {
  if (!value || value.trim() === "") return 1;
  if (value.trim() === "auto") return Math.max(1, availableParallelism());
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`WORKERS must be "auto" or a whole number from 1 to 64 (got "${value}")`);
  return n;
}

/** The room a request is about, from its request line (`GET /socket.io/?EIO=4&room=brisk-otter-42 HTTP/1.1`), or null. */
export function roomOfRequestLine(line: string): string | null {
  const m = /^[A-Z]+ (\S+) HTTP\/1\.[01]$/.exec(line);
  if (!m) return null;
  const target = m[1]!;
  const q = target.indexOf("?");
  if (q < 0) return null;
  const room = new URLSearchParams(target.slice(q + 1)).get("room");
  return room && room.length <= 64 ? room : null;
}

/** FNV-1a: a stable owner for each room code. */
export function workerIndexForRoom(room: string, workers: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) {
    h ^= room.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % workers;
}

const MAX_HEAD_BYTES = 16 * 1024;
/** a connection that sends no request line within this long is dropped */
const HEAD_TIMEOUT_MS = 10_000;
/** a connection for a worker that is (re)starting waits at most this long */
const WAIT_FOR_WORKER_MS = 15_000;

export interface Primary {
  port: number;
  /** Graceful stop: stop accepting, let every worker stop gracefully (flush, disconnect), then resolve. */
  close(): Promise<void>;
}

/**
 * Runs in the primary process: forks `workers` copies of the current entry
 * point (same script, same Node flags) and routes connections to them.
 * Resolves once every worker is ready and the port is listening.
 */
export async function runPrimary(opts: {
  workers: number;
  port: number;
  host: string;
  log: (msg: string, err?: unknown) => void;
  /** extra environment for the workers */
  env?: Record<string, string>;
}): Promise<Primary> {
  const n = opts.workers;
  const slots: { worker: Worker | null; ready: boolean; waiting: (() => void)[] }[] = Array.from({ length: n }, () => ({
    worker: null,
    ready: false,
    waiting: [],
  }));
  let stopping = false;
  let rr = 0;

  const fork = (index: number): void => {
    const worker = nodeCluster.fork({ ...opts.env, BACKBEAT_WORKER_INDEX: String(index) });
    const slot = slots[index]!;
    slot.worker = worker;
    slot.ready = false;
    worker.on("message", (msg: WorkerMessage) => {
      if (msg?.type === "backbeat:ready") {
        slot.ready = true;
        for (const go of slot.waiting.splice(0)) go();
      } else if (msg?.type === "backbeat:recordings-changed") {
        for (const other of slots) if (other.worker && other.worker !== worker && other.ready) other.worker.send(msg);
      }
    });
    worker.on("exit", (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.ready = false;
      if (stopping) return;
      // Its rooms' clients reconnect on their own; they wait here for the replacement.
      opts.log(`worker ${index} exited (${signal ?? code}); starting a new one`);
      setTimeout(() => fork(index), 500);
    });
  };

  const dispatch = (socket: Socket, head: Buffer, index: number): void => {
    const slot = slots[index]!;
    const send = () => {
      if (!slot.worker || !slot.ready || socket.destroyed) return void socket.destroy();
      const msg: WorkerMessage = { type: "backbeat:connection", head: head.toString("latin1") };
      slot.worker.send(msg, socket, (err) => {
        if (err) socket.destroy();
      });
    };
    if (slot.ready) return send();
    const timer = setTimeout(() => {
      const i = slot.waiting.indexOf(go);
      if (i >= 0) slot.waiting.splice(i, 1);
      socket.destroy();
    }, WAIT_FOR_WORKER_MS);
    const go = () => {
      clearTimeout(timer);
      send();
    };
    slot.waiting.push(go);
  };

  const server: NetServer = createServer((socket) => {
    let head: Buffer = Buffer.alloc(0);
    socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const lineEnd = head.indexOf("\r\n");
      if (lineEnd < 0 && head.length < MAX_HEAD_BYTES) return; // the request line is not complete yet
      socket.off("data", onData);
      socket.pause();
      socket.setTimeout(0);
      const room = lineEnd < 0 ? null : roomOfRequestLine(head.subarray(0, lineEnd).toString("latin1"));
      dispatch(socket, head, room ? workerIndexForRoom(room, n) : rr++ % n);
    };
    socket.on("data", onData);
  });

  for (let i = 0; i < n; i++) fork(i);
  await Promise.all(slots.map((s) => (s.ready ? Promise.resolve() : new Promise<void>((resolve) => s.waiting.push(resolve)))));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;

  return {
    port,
    async close() {
      stopping = true;
      server.close();
      await Promise.all(
        slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              const w = s.worker;
              if (!w || w.isDead()) return resolve();
              w.once("exit", () => resolve());
              w.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

/**
 * Runs in a worker: takes the connections the primary hands over and feeds
 * them to the HTTP server (which then does HTTP and WebSocket upgrades as if
 * it had accepted them itself), and passes on "recordings changed" messages.
 */
export function acceptHandoffs(httpServer: HttpServer, onRecordingsChanged: (code: string) => void): { ready(): void; recordingsChanged(code: string): void } {
  process.on("message", (msg: WorkerMessage, handle?: Socket) => {
    if (msg?.type === "backbeat:connection" && handle) {
      httpServer.emit("connection", handle);
      handle.emit("data", Buffer.from(msg.head, "latin1"));
      handle.resume();
    } else if (msg?.type === "backbeat:recordings-changed") {
      onRecordingsChanged(msg.code);
    }
  });
  return {
    ready: () => process.send?.({ type: "backbeat:ready" } satisfies WorkerMessage),
    recordingsChanged: (code) => process.send?.({ type: "backbeat:recordings-changed", code } satisfies WorkerMessage),
  };
}

export const isWorkerProcess = (): boolean => nodeCluster.isWorker && process.env.BACKBEAT_WORKER_INDEX !== undefined;
