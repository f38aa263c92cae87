/**
 * Room broadcasts over Socket.IO, each event encoded once and written straight to the members'
 * connections: the relay of every hit goes through here (issue 13 part 7, docs/benchmarks/relay.md).
 *
 * A room lives whole in one process (server/ownership.ts), so its sockets are all here, and the
 * room logic already keeps the member list (membership.ts adds and removes): this is Socket.IO's
 * in-memory adapter broadcast without its per-message work (a BroadcastOperator and two Sets per
 * `io.to(room).except(id)`, the except-set, hasBinary's walk of the payload). The bytes are the
 * same: `42["event",payload]` in one pre-built WebSocket frame, as the adapter builds it
 * (payloads are JSON: no binary attachments in ServerToClientEvents).
 *
 * The frame goes to the connection's TCP socket in one write when nothing is queued ahead of it
 * (see `idle`); otherwise, or while anyone listens to engine.io's packet events (bench/traffic.ts
 * counts frames that way), through engine.io's write path, which queues it in order.
 */
import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../core/protocol";
import type { Fanout } from "./room/connection";

type BBSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) holding `text`, in one buffer: what
 * ws's Sender.frame builds as header + payload, without the second buffer.
 */
export function wsTextFrame(text: string): Buffer {
  const len = Buffer.byteLength(text);
  const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const buf = Buffer.allocUnsafe(head + len);
  buf[0] = 0x81; // FIN, opcode 1 (text)
  if (head === 2) buf[1] = len;
  else if (head === 4) {
    buf[1] = 126;
    buf.writeUInt16BE(len, 2);
  } else {
    buf[1] = 127;
    buf.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    buf.writeUInt32BE(len >>> 0, 6);
  }
  buf.write(text, head, "utf8");
  return buf;
}
/** the engine.io write options Socket.IO's adapter uses for a pre-encoded broadcast */
type EngineWrite = (data: string, opts: { preEncoded: true; volatile?: boolean; wsPreEncodedFrame: Buffer[] }) => void;

/** the parts of engine.io's connection and ws's socket the direct write reads (untyped internals) */
interface EngineConn {
  readyState: string;
  writeBuffer: unknown[];
  transport: { writable: boolean; socket?: WsInternals };
  listenerCount(event: string): number;
}
interface WsInternals {
  readyState: number;
  _sender?: { _state: number; _queue: unknown[] };
  _socket?: { destroyed: boolean; writableLength: number; write(chunk: Buffer): boolean };
}

/**
 * The TCP socket under a connection when a frame may go straight to it: engine.io has nothing
 * queued (its transport is writable and its buffer empty), ws's sender is idle (not deflating,
 * nothing queued) and nobody watches engine.io's packets. Then writing the frame there keeps the
 * order of everything sent on the connection, and skips engine.io's per-packet events, ws's write
 * callback and ws's two-buffer writev.
 */
function idle(conn: EngineConn): WsInternals["_socket"] | null {
  if (!conn.transport.writable || conn.writeBuffer.length !== 0 || conn.listenerCount("packetCreate") !== 0) return null;
  const ws = conn.transport.socket;
  const tcp = ws?._socket;
  if (!ws || ws.readyState !== 1 /* OPEN */ || !ws._sender || ws._sender._state !== 0 || ws._sender._queue.length !== 0 || !tcp || tcp.destroyed) return null;
  return tcp;
}

/**
 * Writes a pre-encoded event (`packet` as engine.io takes it, `frame` as the wire carries it) to
 * one socket: straight to TCP when nothing is queued ahead (see `idle`), else through engine.io.
 * Nothing to a closing connection; a volatile event only when the connection can take it now.
 */
function writeEvent(socket: BBSocket, packet: string, frame: Buffer, volatile: boolean): void {
  const conn = socket.conn;
  if (conn.readyState !== "open" || (volatile && !conn.transport.writable)) return;
  const tcp = idle(conn as unknown as EngineConn);
  if (tcp) {
    if (volatile && tcp.writableLength > 0) return; // still writing earlier frames: a volatile one is skipped
    tcp.write(frame);
  } else {
    (conn.write as unknown as EngineWrite).call(conn, packet, { preEncoded: true, volatile, wsPreEncodedFrame: [frame] });
  }
}

/** `42["event",payload]`: a Socket.IO EVENT on "/" without an ack id (engine.io prefixes the "4") */
const eventPacket = (event: string, payload: unknown): string => `2${JSON.stringify([event, payload])}`;

/**
 * One event to one socket, as `socket.emit(event, payload)` sends it (same bytes, same order)
 * without Socket.IO's per-emit packet objects and encoder: every `hits:ack` goes this way.
 */
export function sendEvent(socket: BBSocket, event: string, payload: unknown): void {
  if (socket.conn.readyState !== "open") return;
  const packet = eventPacket(event, payload);
  writeEvent(socket, packet, wsTextFrame(`4${packet}`), /* volatile */ false);
}

export function roomFanout(getIo: () => Server<ClientToServerEvents, ServerToClientEvents> | null): Fanout {
  const groups = new Map<string, Map<string, BBSocket>>();
  const emit = (volatile: boolean, code: string, exceptConnId: string | null, event: string, payload: unknown) => {
    const group = groups.get(code);
    if (!group) return;
    let frame: Buffer | null = null;
    let packet = "";
    for (const socket of group.values()) {
      if (socket.id === exceptConnId) continue;
      if (!frame) {
        packet = eventPacket(event, payload);
        frame = wsTextFrame(`4${packet}`);
      }
      writeEvent(socket, packet, frame, volatile);
    }
  };
  return {
    add(code, conn) {
      const socket = getIo()?.sockets.sockets.get(conn.id);
      if (!socket) return; // already gone: nothing to send to
      let g = groups.get(code);
      if (!g) groups.set(code, (g = new Map()));
      g.set(conn.id, socket);
      // the room logic removes it on disconnect too (membership.ts); this only keeps the map bounded if it ever did not
      socket.once("disconnect", () => {
        if (g.get(conn.id) !== socket) return;
        g.delete(conn.id);
        if (g.size === 0 && groups.get(code) === g) groups.delete(code);
      });
    },
    remove(code, conn) {
      const g = groups.get(code);
      if (!g?.delete(conn.id)) return;
      if (g.size === 0) groups.delete(code);
    },
    toRoom: (code, exceptConnId, event, payload) => emit(/* volatile */ false, code, exceptConnId, event, payload),
    toRoomVolatile: (code, exceptConnId, event, payload) => emit(/* volatile */ true, code, exceptConnId, event, payload),
  };
}

