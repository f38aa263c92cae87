/**
 * The thin adapter between Socket.IO and the room logic: validates every
 * inbound message against the protocol schemas, answers invalid ones with an
 * `error` event, and otherwise calls RoomService.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import {
  LIMITS,
  isClientEventName,
  parseClientMessage,
  type ClientEventName,
  type ClientToServerEvents,
  type ErrorMsg,
  type ServerToClientEvents,
} from "../core/protocol";
import type { Connection, RoomService } from "./rooms";

type BBSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface SocketDeps {
  rooms: RoomService;
  now: () => number;
  log: (msg: string, err?: unknown) => void;
}

function connectionFor(socket: BBSocket): Connection {
  return {
    id: socket.id,
    send: (event, ...args) => {
      socket.emit(event, ...args);
    },
    close: () => {
      socket.disconnect(true);
    },
  };
}

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): Server<ClientToServerEvents, ServerToClientEvents> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    maxHttpBufferSize: LIMITS.maxMessageBytes,
    // Same-origin only: the page and the socket are served by this process.
    cors: { origin: false },
  });

  io.on("connection", (socket) => {
    const conn = connectionFor(socket);
    const reportError = (err: ErrorMsg) => socket.emit("error", err);
    const internal = (event: string, err: unknown): ErrorMsg => {
      deps.log(`handler for "${event}" failed`, err);
      return { code: "internal", event, message: "Something went wrong on the server; try again." };
    };

    /** Parses the payload, finds the ack (if any) and runs the handler; invalid input changes nothing. */
    const on = <E extends ClientEventName>(
      event: E,
      handler: (value: ReturnType<typeof parseClientMessage<E>> extends infer R ? (R extends { ok: true; value: infer V } ? V : never) : never) => Promise<unknown> | unknown,
    ) => {
      // Registered untyped on purpose: the payload is unknown until the schema has checked it.
      (socket as unknown as { on(e: string, fn: (payload: unknown, ack?: unknown) => void): void }).on(event, (payload, maybeAck) => {
        const ack = typeof maybeAck === "function" ? (maybeAck as (res: unknown) => void) : null;
        const parsed = parseClientMessage(event, payload);
        if (!parsed.ok) {
          reportError(parsed.error);
          ack?.({ ok: false, error: parsed.error });
          return;
        }
        Promise.resolve()
          .then(() => handler(parsed.value as never))
          .then(
            (res) => {
              if (res && typeof res === "object" && "ok" in res) {
                const r = res as { ok: boolean; error?: ErrorMsg };
                if (!r.ok && r.error) reportError(r.error);
                ack?.(res);
              } else if (res && typeof res === "object" && "code" in res) {
                reportError(res as ErrorMsg); // fire-and-forget handlers return an ErrorMsg or null
              }
            },
            (err: unknown) => {
              const e = internal(event, err);
              reportError(e);
              ack?.({ ok: false, error: e });
            },
          );
      });
    };

    // sync:ping answers directly: it is on the timing path, so no promise hop.
    socket.on("sync:ping", (payload: unknown, ack?: unknown) => {
      const t1Ms = deps.now();
      const parsed = parseClientMessage("sync:ping", payload);
      if (!parsed.ok || typeof ack !== "function") {
        reportError(parsed.ok ? { code: "invalid_message", event: "sync:ping", message: "sync:ping needs an acknowledgement callback" } : parsed.error);
        return;
      }
      (ack as ClientToServerEvents["sync:ping"] extends (m: never, a: infer A) => void ? A : never)({
        t0Ms: parsed.value.t0Ms,
        t1Ms,
        t2Ms: deps.now(),
      });
    });
    on("join", (msg) => deps.rooms.join(conn, msg));
    on("hit", (msg) => deps.rooms.hit(conn, msg));
    on("heard", (msg) => deps.rooms.heard(conn, msg));
    on("quality", (msg) => deps.rooms.quality(conn, msg));
    on("tempo:set", (msg) => deps.rooms.setTempo(conn, msg));
    on("mode:set", (msg) => deps.rooms.setMode(conn, msg.mode));
    on("recording:start", (msg) => deps.rooms.startRecording(conn, msg));
    on("recording:stop", () => deps.rooms.stopRecording(conn));
    on("member:kick", (msg) => deps.rooms.kick(conn, msg.id));
    on("leave", () => deps.rooms.explicitLeave(conn));
    on("react", (msg) => deps.rooms.react(conn, msg.emoji));
    on("battle:start", (msg) => deps.rooms.startBattle(conn, msg));
    on("battle:stop", () => deps.rooms.stopBattle(conn));

    socket.onAny((event: string) => {
      if (!isClientEventName(event)) {
        reportError({ code: "unknown_event", event: String(event).slice(0, 64), message: `Unknown event "${String(event).slice(0, 64)}"` });
      }
    });
    socket.on("disconnect", () => deps.rooms.leave(conn));
  });
  return io;
}
