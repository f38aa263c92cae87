/**
 * Counting engine.io packets for bench:traffic: each packet is one WebSocket frame (type
 * character + payload, plus the frame header), labelled by what it carries — the Socket.IO
 * event's name, "ack" for answers to requests (sync:ping pongs, join…), or the engine.io packet
 * type (ping/pong heartbeats). Pure, so the labelling is tested without sockets.
 */

export interface Tally {
  frames: number;
  bytes: number;
  byEvent: Map<string, { msgs: number; bytes: number }>;
}
export interface TrafficCounts {
  in: Tally;
  out: Tally;
}

export const emptyCounts = (): TrafficCounts => ({
  in: { frames: 0, bytes: 0, byEvent: new Map() },
  out: { frames: 0, bytes: 0, byEvent: new Map() },
});

const SOCKET_IO_TYPES: Record<string, string> = { "0": "connect", "1": "disconnect", "3": "ack", "4": "connect_error", "6": "ack (binary)" };

/** What a Socket.IO packet (engine.io "message" data) carries: the event name, or its kind. */
export function labelOf(engineType: string, data: unknown): string {
  if (engineType !== "message") return `engine.io ${engineType}`;
  if (typeof data !== "string") return "binary";
  const kind = data[0];
  if (kind !== "2" && kind !== "5") return SOCKET_IO_TYPES[kind ?? ""] ?? `socket.io ${kind}`;
  // 2<ack id?>["event", …]: the name is the first JSON string after the bracket
  const m = /^\d+(?:[^[]*?)\["((?:[^"\\]|\\.)*)"/.exec(data);
  return m ? m[1]! : "event";
}

/** Bytes of the WebSocket frame carrying an engine.io packet: type character + payload + header (2, 4 or 10 bytes, unmasked from the server). */
export function frameBytes(data: unknown): number {
  const payload = 1 + (typeof data === "string" ? Buffer.byteLength(data) : data instanceof ArrayBuffer ? data.byteLength : ArrayBuffer.isView(data) ? data.byteLength : 0);
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

export function countFrame(t: Tally, engineType: string, data: unknown): void {
  const bytes = frameBytes(data);
  t.frames++;
  t.bytes += bytes;
  const label = labelOf(engineType, data);
  const e = t.byEvent.get(label) ?? { msgs: 0, bytes: 0 };
  e.msgs++;
  e.bytes += bytes;
  t.byEvent.set(label, e);
}
