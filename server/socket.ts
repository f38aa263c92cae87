/**
 * The thin adapter between Socket.IO and the room logic: rate-limits every
 * inbound message (per socket, per event class), validates it against the
 * protocol schemas, answers invalid ones with an `error` event, and otherwise
 * runs the room's command for it (server/room/commands.ts) and acks its Result.
 * A socket that keeps sending dropped messages is told `abuse` and disconnected.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import type { z } from "zod";
import {
  LIMITS,
  isClientEventName,
  type CLIENT_EVENTS,
  parseClientMessage,
  parseHitFast,
  type ClientEventName,
  type ClientToServerEvents,
  type ErrorMsg,
  type ServerToClientEvents,
} from "../core/protocol";
import { AddressLimiter, limitMessage } from "./address-limits";
import { compileTrust, trustsNoProxy, type TrustProxy } from "./client-address";
import { ConnectionGate } from "./connection-limits";
import { takeHitsDirectly } from "./hit-intake";
import { sendEvent } from "./room-fanout";
import { DropVerdict, EventClass, SocketRateLimiter, eventClass, hitClass, resolveRateLimits, type RateLimitOptions } from "./rate-limit";
import type { RoomEvent } from "./room/commands";
import type { Connection } from "./room/connection";
import type { Result } from "./room/result";
import type { RoomService } from "./room/service";
import { originAllowed } from "./security";

type BBSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface SocketDeps {
  rooms: RoomService;
  now: () => number;
  log: (msg: string, err?: unknown) => void;
  /** overrides of DEFAULT_RATE_LIMITS */
  rateLimits?: RateLimitOptions;
  /** origins besides the server's own host allowed to open a socket */
  allowedOrigins?: readonly string[];
  /**
   * The per-address limits' gate (server/connection-limits.ts), shared with the HTTP API; without
   * one, a gate counting in this process's memory, with `trustProxy` (TRUST_PROXY; none by default).
   */
  gate?: ConnectionGate;
  trustProxy?: TrustProxy;
  /** monotonic ms for the rate limits; performance.now by default */
  rateClock?: () => number;
  /**
   * A worker that owns only the rooms routed to it (server/workers.ts, no Redis):
   * a socket may join only the room its URL named (`?room=`), the one it was routed by.
   */
  roomAffinity?: boolean;
}

/** the room commands registered through the general path (join and hit have their own, above them) */
const ROOM_COMMANDS = [
  "heard",
  "quality",
  "tempo:set",
  "mode:set",
  "recording:start",
  "recording:stop",
  "member:kick",
  "leave",
  "react",
  "battle:start",
  "battle:stop",
  "host:pass",
  "cohost:set",
  "room:rename",
  "direct:signal",
] as const satisfies readonly Exclude<RoomEvent, "join" | "hit">[];
/** Every room command is registered: a new one left out of the list fails to compile (it would get no answer at all). */
type UnregisteredCommand = Exclude<RoomEvent, "join" | "hit" | (typeof ROOM_COMMANDS)[number]>;
const ALL_COMMANDS_REGISTERED: [UnregisteredCommand] extends [never] ? true : UnregisteredCommand = true;
void ALL_COMMANDS_REGISTERED;

/** One shared answer for every dropped message that asked for an ack: no allocation per drop. */
const RATE_LIMITED_ACK = Object.freeze({
  ok: false,
  error: Object.freeze({ code: "rate_limited", message: "Too many messages: this one was dropped. Slow down and try again." }),
});

function connectionFor(socket: BBSocket): Connection {
  return {
    id: socket.id,
    send: (event, payload) => sendEvent(socket, event, payload),
    // Every reason reconnects (the client does after a server disconnect) except "kicked",
    // which the client learns from the `error` event sent just before.
    close: () => {
      socket.disconnect(true);
    },
    isOpen: () => socket.connected,
  };
}

export function attachSocketServer(httpServer: HttpServer, deps: SocketDeps): Server<ClientToServerEvents, ServerToClientEvents> {
  const limits = resolveRateLimits(deps.rateLimits);
  const clock = deps.rateClock ?? (() => performance.now());
  const gate =
    deps.gate ??
    new ConnectionGate({
      limiter: new AddressLimiter(limits.connections, { kind: "memory" }, deps.log),
      trust: compileTrust(deps.trustProxy ?? 0),
      trustsNoProxy: trustsNoProxy(deps.trustProxy ?? 0),
      log: deps.log,
    });
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    // Clients use WebSockets only (no sticky sessions needed, docs/deploy.md): long-polling
    // handshakes are refused ("Transport unknown") rather than left as a way around the gate.
    transports: ["websocket"],
    // A larger frame closes the connection (WebSocket close 1009) before it is parsed.
    maxHttpBufferSize: LIMITS.maxMessageBytes,
    // Same-origin only: the page and the socket are served by this process.
    cors: { origin: false },
    // CORS does not apply to WebSockets: refuse handshakes a browser sends from another
    // site (cross-site WebSocket hijacking). No Origin (non-browser clients) is fine.
    // Then the per-address connection limits (server/connection-limits.ts).
    allowRequest: (req, callback) => {
      if (!originAllowed(req, deps.allowedOrigins)) return callback("Forbidden origin", false);
      gate.check(req).then(
        (refused) => (refused === null ? callback(null, true) : callback(refused, false)),
        (err: unknown) => {
          deps.log("connection check failed", err);
          callback("Internal error", false);
        },
      );
    },
  });
  gate.attach(io);
  // Resolved once: per message a handler is a seat lookup and the command's own work.
  const hitHandler = deps.rooms.handler("hit");
  const handlers = new Map<RoomEvent, (conn: Connection, msg: never) => Result<unknown> | Promise<Result<unknown>>>();
  const handlerOf = (event: RoomEvent) => {
    let h = handlers.get(event);
    if (!h) handlers.set(event, (h = deps.rooms.handler(event) as (conn: Connection, msg: never) => Result<unknown> | Promise<Result<unknown>>));
    return h;
  };
  io.engine.on("headers", (headers: Record<string, string>) => {
    headers["X-Content-Type-Options"] = "nosniff";
  });

  io.on("connection", (socket) => {
    const conn = connectionFor(socket);
    const limiter = new SocketRateLimiter(limits, clock());
    /** error replies are budgeted (limits.replies): junk must not make the server write as much as it reads */
    const reportError = (err: ErrorMsg) => {
      if (limiter.mayReply(clock())) socket.emit("error", err);
    };
    /** the failed ack of a dropped or invalid message, on the same budget */
    const refuse = (ack: unknown, res: unknown) => {
      if (typeof ack === "function" && limiter.mayReply(clock())) (ack as (r: unknown) => void)(res);
    };
    /** A message was dropped (over budget, or invalid/unknown): tell the client sparingly, cut off abusers. */
    const dropped = (event: string, cls: EventClass, overBudget: boolean): void => {
      const t = clock();
      const verdict = limiter.drop(t, overBudget);
      if (verdict === DropVerdict.Notify) {
        socket.emit("error", {
          code: "rate_limited",
          event,
          message: `Too many "${event}" messages: some were dropped. Slow down.`,
          details: { retryAfterMs: limiter.retryAfterMs(cls, t) },
        });
      } else if (verdict === DropVerdict.Abuse) {
        deps.log(`disconnecting socket ${socket.id}: ${limiter.dropped} messages dropped (abuse)`);
        socket.emit("error", { code: "abuse", event, message: "Too many rejected or rate-limited messages: disconnected." });
        socket.disconnect(true);
        gate.penalize(socket.request);
      }
    };
    const internal = (event: string, err: unknown): ErrorMsg => {
      deps.log(`handler for "${event}" failed`, err);
      return { code: "internal", event, message: "Something went wrong on the server; try again." };
    };

    /** Parses the payload, finds the ack (if any) and runs the room's command; invalid input changes nothing. */
    const on = <E extends ClientEventName>(event: E, handler: (value: z.infer<(typeof CLIENT_EVENTS)[E]>) => Result<unknown> | Promise<Result<unknown>>) => {
      const eventCls = eventClass(event);
      // Registered untyped on purpose: the payload is unknown until the schema has checked it.
      (socket as unknown as { on(e: string, fn: (payload: unknown, ack?: unknown) => void): void }).on(event, (payload, maybeAck) => {
        // Budget first: a flood is dropped before any parsing work is spent on it.
        if (!limiter.allow(eventCls, clock())) {
          refuse(maybeAck, RATE_LIMITED_ACK);
          dropped(event, eventCls, true);
          return;
        }
        const parsed = parseClientMessage(event, payload);
        if (!parsed.ok) {
          reportError(parsed.error);
          refuse(maybeAck, { ok: false, error: parsed.error });
          dropped(event, eventCls, false);
          return;
        }
        const ack = typeof maybeAck === "function" ? (maybeAck as (res: unknown) => void) : null;
        Promise.resolve()
          .then(() => handler(parsed.value))
          .then(
            (res) => {
              if (!res.ok) reportError(res.error);
              ack?.(res);
            },
            (err: unknown) => {
              const e = internal(event, err);
              reportError(e);
              ack?.({ ok: false, error: e });
            },
          );
      });
    };
    /** the room command of that name, with this socket's connection */
    const command = <E extends Exclude<RoomEvent, "join" | "hit">>(event: E) => on(event, (msg) => handlerOf(event)(conn, msg as never));

    // sync:ping answers directly: it is on the timing path, so no promise hop.
    socket.on("sync:ping", (payload: unknown, ack?: unknown) => {
      const t1Ms = deps.now();
      // A dropped ping gets no pong (the client's ping times out and the next one is sent).
      if (!limiter.allow(EventClass.Sync, clock())) return dropped("sync:ping", EventClass.Sync, true);
      const parsed = parseClientMessage("sync:ping", payload);
      if (!parsed.ok || typeof ack !== "function") {
        reportError(parsed.ok ? { code: "invalid_message", event: "sync:ping", message: "sync:ping needs an acknowledgement callback" } : parsed.error);
        dropped("sync:ping", EventClass.Sync, false);
        return;
      }
      (ack as ClientToServerEvents["sync:ping"] extends (m: never, a: infer A) => void ? A : never)({
        t0Ms: parsed.value.t0Ms,
        t1Ms,
        t2Ms: deps.now(),
      });
    });
    on("join", async (msg) => {
      if (deps.roomAffinity && socket.handshake.query.room !== msg.roomCode) {
        const error: ErrorMsg = {
          code: "wrong_server",
          event: "join",
          message: `This connection was routed for room "${String(socket.handshake.query.room ?? "(none)")}": connect with ?room=${msg.roomCode} to join that room.`,
        };
        return { ok: false, error };
      }
      // Per address (server/address-limits.ts): joins, and joins of rooms that do not exist
      // (a join answers whether a room exists, like GET /api/rooms/<code>).
      const key = gate.keyOf(socket.request);
      let budget: "join" | "miss" = "join";
      let verdict = await gate.limiter.take("join", key);
      if (verdict.ok) {
        budget = "miss";
        verdict = await gate.limiter.check("miss", key);
      }
      if (!verdict.ok) {
        const { retryAfterMs } = verdict;
        const error: ErrorMsg = { code: "rate_limited", event: "join", message: limitMessage(budget, retryAfterMs), details: { reason: budget, retryAfterMs } };
        return { ok: false, error };
      }
      const res = await handlerOf("join")(conn, msg as never);
      if (!res.ok && res.error.code === "room_not_found") await gate.limiter.take("miss", key);
      return res;
    });
    // hit is the hot path (every strike of every player): checked without zod and
    // handled synchronously, no promise hop; invalid ones take the general path's errors.
    const onHit = (payload: unknown) => {
      const cls = hitClass(payload);
      if (!limiter.allow(cls, clock())) return dropped("hit", cls, true);
      const msg = parseHitFast(payload);
      if (!msg) {
        const parsed = parseClientMessage("hit", payload);
        reportError(parsed.ok ? { code: "invalid_message", event: "hit", message: "Invalid \"hit\" message" } : parsed.error);
        return dropped("hit", cls, false);
      }
      try {
        const res = hitHandler(conn, msg);
        if (!res.ok) reportError(res.error);
      } catch (err) {
        reportError(internal("hit", err));
      }
    };
    socket.on("hit", onHit);
    takeHitsDirectly(socket, onHit); // the same handler, without Socket.IO's decoder and ticks (server/hit-intake.ts)
    for (const event of ROOM_COMMANDS) command(event);

    // Known events are handled (and budgeted) above; unknown ones share the "other" budget.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === "string" && isClientEventName(event)) return;
      const name = String(event).slice(0, 64);
      const ack = args[args.length - 1];
      if (!limiter.allow(EventClass.Other, clock())) {
        refuse(ack, RATE_LIMITED_ACK);
        dropped(name, EventClass.Other, true);
        return;
      }
      const error: ErrorMsg = { code: "unknown_event", event: name, message: `Unknown event "${name}"` };
      reportError(error);
      refuse(ack, { ok: false, error });
      dropped(name, EventClass.Other, false);
    });
    socket.on("disconnect", () => deps.rooms.leave(conn));
  });
  return io;
}
