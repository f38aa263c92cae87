/**
 * How the room reaches clients: a Connection per client (server/socket.ts wraps a Socket.IO
 * socket; test/support/room-harness.ts an in-memory recorder), and a Fanout for room-wide
 * broadcasts (server/socket.ts encodes each event once into one WebSocket frame and writes it to
 * the members' engine.io connections; without a Fanout, the room sends to each member's
 * connection).
 */
import type { ServerToClientEvents } from "../../core/protocol";

export type ServerEvent = keyof ServerToClientEvents;
export type Payload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];

/** why the server closes a connection (the client reconnects unless kicked) */
export type CloseReason = "kicked" | "replaced" | "moved" | "shutdown";

export interface Connection {
  readonly id: string;
  send<E extends ServerEvent>(event: E, payload: Payload<E>): void;
  close(reason: CloseReason): void;
  /** false once the transport closed (a join that awaited the database must not seat a dead connection) */
  isOpen?(): boolean;
}

export interface Fanout {
  /** the connection joins / leaves the room's broadcast group */
  add(code: string, conn: Connection): void;
  remove(code: string, conn: Connection): void;
  /** to everyone in the room but `exceptConnId` */
  toRoom<E extends ServerEvent>(code: string, exceptConnId: string | null, event: E, payload: Payload<E>): void;
  /** the same, droppable (telemetry): a client that is behind skips it */
  toRoomVolatile<E extends ServerEvent>(code: string, exceptConnId: string | null, event: E, payload: Payload<E>): void;
}

/** A Fanout over the connections themselves (in-memory tests, or no transport rooms). */
export function directFanout(): Fanout {
  const groups = new Map<string, Map<string, Connection>>();
  const send = <E extends ServerEvent>(code: string, exceptConnId: string | null, event: E, payload: Payload<E>) => {
    const group = groups.get(code);
    if (!group) return;
    for (const c of group.values()) if (c.id !== exceptConnId) c.send(event, payload);
  };
  return {
    add(code, conn) {
      let g = groups.get(code);
      if (!g) groups.set(code, (g = new Map()));
      g.set(conn.id, conn);
    },
    remove(code, conn) {
      const g = groups.get(code);
      if (g?.get(conn.id) !== conn) return;
      g.delete(conn.id);
      if (g.size === 0) groups.delete(code);
    },
    toRoom: send,
    toRoomVolatile: send,
  };
}
