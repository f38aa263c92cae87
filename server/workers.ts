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
 * delete over HTTP may land on another worker). The routing is the ownership:
 * a worker needs no lease (LocalOwnership) because no other process of this
 * machine is sent the room. With REDIS_URL as well, each worker is one server
 * of docs/deploy.md's scheme: it holds its rooms' leases, and the recordings
 * notice travels through Redis instead of this primary.
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
/** a handed-over socket whose IPC delivery is not confirmed within this long is dropped (its worker died) */
const HANDOFF_TIMEOUT_MS = 10_000;
/** restart back-off after a worker dies: 0.5 s, doubling to 30 s while it keeps dying young */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 30_000;
/** a worker that lived this long resets the back-off */
const HEALTHY_AFTER_MS = 60_000;

/** Stops a socket's handle reading, so bytes that arrive now stay in the kernel for the worker. */
function stopReading(socket: Socket): void {
  (socket as unknown as { _handle?: { readStop?: () => void } | null })._handle?.readStop?.();
}

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
  const slots: { worker: Worker | null; ready: boolean; waiting: (() => void)[]; backoffMs: number; startedAt: number }[] = Array.from(
    { length: n },
    () => ({ worker: null, ready: false, waiting: [], backoffMs: RESTART_MIN_MS, startedAt: 0 }),
  );
  let stopping = false;
  let starting = true;
  let rr = 0;
  let failStart: (err: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_, reject) => (failStart = reject));
  startFailed.catch(() => undefined);

  const fork = (index: number): void => {
    if (stopping) return;
    const worker = nodeCluster.fork({ ...opts.env, BACKBEAT_WORKER_INDEX: String(index) });
    const slot = slots[index]!;
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = Date.now();
    // An IPC send to a worker that is going away must not take the primary (and every room) down.
    worker.on("error", (err) => opts.log(`worker ${index}: IPC error`, err));
    worker.on("message", (msg: WorkerMessage) => {
      if (msg?.type === "backbeat:ready") {
        slot.ready = true;
        for (const go of slot.waiting.splice(0)) go();
      } else if (msg?.type === "backbeat:recordings-changed") {
        for (const other of slots) {
          if (other.worker && other.worker !== worker && other.ready && other.worker.isConnected()) other.worker.send(msg, () => undefined);
        }
      }
    });
    worker.on("exit", (code, signal) => {
      if (slot.worker !== worker) return;
      const wasReady = slot.ready;
      slot.worker = null;
      slot.ready = false;
      if (stopping) return;
      if (starting && !wasReady) {
        // A worker that cannot start (no build, a locked database…) would be re-forked forever.
        failStart(new Error(`worker ${index} exited (${signal ?? code}) before it was ready`));
        return;
      }
      const healthy = Date.now() - slot.startedAt > HEALTHY_AFTER_MS;
      const delay = healthy ? RESTART_MIN_MS : slot.backoffMs;
      slot.backoffMs = Math.min(RESTART_MAX_MS, delay * 2);
      // Its rooms' clients reconnect on their own; they wait here for the replacement.
      opts.log(`worker ${index} exited (${signal ?? code}); starting a new one in ${delay} ms`);
      setTimeout(() => fork(index), delay);
    });
  };

  const dispatch = (socket: Socket, head: Buffer, index: number): void => {
    const slot = slots[index]!;
    const send = () => {
      if (!slot.worker || !slot.ready || !slot.worker.isConnected() || socket.destroyed) return void socket.destroy();
      // Anything read since the request line travels with it (nothing is read after stopReading).
      for (let more: Buffer | null = socket.read() as Buffer | null; more !== null; more = socket.read() as Buffer | null) head = Buffer.concat([head, more]);
      const msg: WorkerMessage = { type: "backbeat:connection", head: head.toString("latin1") };
      // A handle queued for a worker that dies never gets its callback: drop it after a while.
      const lost = setTimeout(() => socket.destroy(), HANDOFF_TIMEOUT_MS);
      slot.worker.send(msg, socket, (err) => {
        clearTimeout(lost);
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

  /** round-robin over the workers that are ready (a restarting one would make the request wait) */
  const nextReady = (): number => {
    for (let i = 0; i < n; i++) {
      const k = rr++ % n;
      if (slots[k]!.ready) return k;
    }
    return rr++ % n;
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
      stopReading(socket);
      socket.setTimeout(0);
      const room = lineEnd < 0 ? null : roomOfRequestLine(head.subarray(0, lineEnd).toString("latin1"));
      dispatch(socket, head, room ? workerIndexForRoom(room, n) : nextReady());
    };
    socket.on("data", onData);
  });

  for (let i = 0; i < n; i++) fork(i);
  try {
    await Promise.race([startFailed, Promise.all(slots.map((s) => (s.ready ? Promise.resolve() : new Promise<void>((resolve) => s.waiting.push(resolve)))))]);
  } catch (err) {
    stopping = true;
    for (const s of slots) s.worker?.process.kill("SIGTERM");
    throw err;
  }
  starting = false;
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
export function acceptHandoffs(
  httpServer: HttpServer,
  onRecordingsChanged: (code: string) => void,
): { ready(): void; recordingsChanged(code: string): void; closeAll(): void } {
  // An http.Server that never listens has no connection tracking, so no headers/request
  // timeouts (slowloris) and a closeAllConnections() that does nothing; "listening" sets it up.
  httpServer.emit("listening");
  const sockets = new Set<Socket>();
  process.on("message", (msg: WorkerMessage, handle?: Socket) => {
    if (msg?.type === "backbeat:connection" && handle) {
      sockets.add(handle);
      handle.once("close", () => sockets.delete(handle));
      httpServer.emit("connection", handle);
      handle.emit("data", Buffer.from(msg.head, "latin1"));
      handle.resume();
    } else if (msg?.type === "backbeat:recordings-changed") {
      onRecordingsChanged(msg.code);
    }
  });
  const tell = (msg: WorkerMessage) => {
    if (process.connected) process.send?.(msg, undefined, undefined, () => undefined);
  };
  return {
    ready: () => tell({ type: "backbeat:ready" }),
    recordingsChanged: (code) => tell({ type: "backbeat:recordings-changed", code }),
    closeAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

export const isWorkerProcess = (): boolean => nodeCluster.isWorker && process.env.BACKBEAT_WORKER_INDEX !== undefined;
