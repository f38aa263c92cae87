/**
 * Baseline (c): a raw `ws` relay — rooms in a Map, every frame forwarded
 * untouched to the other sockets of the room. The room comes from the URL
 * (`/?room=<name>`). `ws` with its defaults (no compression).
 *
 *   node --import tsx bench/relay/ws-server.ts      → prints "READY <port>"
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
wss.on("connection", (ws, req) => {
  const room = new URL(req.url ?? "/", "http://x").searchParams.get("room") ?? "";
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on("message", (data, isBinary) => {
    for (const other of members) if (other !== ws) other.send(data, { binary: isBinary });
  });
  ws.on("close", () => {
    members.delete(ws);
    if (members.size === 0) rooms.delete(room);
  });
});
wss.on("listening", () => console.log(`READY ${(wss.address() as AddressInfo).port}`));
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
