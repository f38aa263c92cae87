/**
 * Baseline (b): the naive Socket.IO relay — no validation, no storage:
 * `socket.to(room).emit("hit", hit)`. Socket.IO 4.8 with its defaults.
 *
 *   node --import tsx bench/relay/naive-server.ts      → prints "READY <port>"
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const httpServer = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(httpServer);
io.on("connection", (s) => {
  let room = "";
  s.on("join", (r: string) => {
    room = String(r);
    void s.join(room);
  });
  s.on("hit", (h: unknown) => {
    if (room) s.to(room).emit("hit", h);
  });
});
httpServer.listen(0, "127.0.0.1", () => {
  console.log(`READY ${(httpServer.address() as AddressInfo).port}`);
});
const stop = () => {
  io.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
