/**
 * The hit's way in, beside Socket.IO's: a hit frame (`42["hit",{…}]`: an EVENT on "/" with no
 * ack id) is parsed here and handed to the hit handler at once, without socket.io-parser's
 * decoder, its event objects and the two `process.nextTick` hops Socket.IO puts between a
 * frame and its listener (issue 13 part 7: every strike of every player comes this way,
 * docs/benchmarks/relay.md). Every other frame — and any hit frame this does not recognise
 * exactly — goes on to Socket.IO's own `ondata` untouched, which still has the `hit` listener.
 *
 * A hit can therefore overtake a request sent just before it in the same read by those two
 * ticks; no room command is ordered against hits (they are all asynchronous already).
 */
import type { Socket } from "socket.io";

/** a Socket.IO EVENT packet on "/" without an ack id, as engine.io hands it on (its own "4" prefix gone) */
const HIT_PACKET = '2["hit",';

interface ClientInternals {
  conn: { on(event: "data", fn: (data: unknown) => void): void; removeListener(event: "data", fn: (data: unknown) => void): void };
  ondata: (data: unknown) => void;
}

/** Routes `socket`'s hit frames to `onHit` (the same handler its `hit` listener has). */
export function takeHitsDirectly(socket: Socket, onHit: (payload: unknown) => void): void {
  const client = (socket as unknown as { client: ClientInternals }).client;
  const socketIo = client.ondata;
  if (typeof socketIo !== "function") return; // not the Socket.IO this was written for: its path serves
  const ondata = (data: unknown): void => {
    if (typeof data === "string" && data.startsWith(HIT_PACKET) && socket.connected) {
      let packet: unknown;
      try {
        packet = JSON.parse(data.slice(1)); // after the "2" (EVENT) the JSON array starts
      } catch {
        return socketIo(data); // its parser reports the bad frame as it always has
      }
      if (Array.isArray(packet) && packet.length === 2) return onHit(packet[1]);
    }
    socketIo(data);
  };
  client.conn.removeListener("data", socketIo);
  client.conn.on("data", ondata);
}
