import { EventEmitter } from "node:events";
import type { Socket } from "socket.io";
import { describe, expect, it, vi } from "vitest";
import { takeHitsDirectly } from "./hit-intake";

/** a Socket.IO socket's client as hit-intake sees it: engine.io's connection emits packets as "data" */
function fakeSocket(connected = true) {
  const conn = new EventEmitter();
  const socketIo = vi.fn<(data: unknown) => void>();
  conn.on("data", socketIo);
  const socket = { connected, client: { conn, ondata: socketIo } } as unknown as Socket;
  return { conn, socketIo, socket };
}

describe("takeHitsDirectly", () => {
  it("hands a plain hit packet's payload to the hit handler, and Socket.IO nothing", () => {
    const { conn, socketIo, socket } = fakeSocket();
    const onHit = vi.fn();
    takeHitsDirectly(socket, onHit);
    conn.emit("data", '2["hit",{"seq":7,"pad":"kick","velocity":0.8,"strikeAtMs":1765000000000.5}]');
    expect(onHit).toHaveBeenCalledWith({ seq: 7, pad: "kick", velocity: 0.8, strikeAtMs: 1765000000000.5 });
    expect(socketIo).not.toHaveBeenCalled();
  });

  it.each([
    ["another event", '2["join",{"roomCode":"x"}]'],
    ["a hit with an ack id", '23["hit",{"seq":1}]'],
    ["a hit with extra arguments", '2["hit",{"seq":1},2]'],
    ["a hit that is not JSON", '2["hit",{seq:1}]'],
    ["a hit on another namespace", '2/admin,["hit",{"seq":1}]'],
    ["binary data", Buffer.from('2["hit",{}]')],
  ])("leaves %s to Socket.IO", (_what, data) => {
    const { conn, socketIo, socket } = fakeSocket();
    const onHit = vi.fn();
    takeHitsDirectly(socket, onHit);
    conn.emit("data", data);
    expect(onHit).not.toHaveBeenCalled();
    expect(socketIo).toHaveBeenCalledWith(data);
  });

  it("leaves everything to Socket.IO once the socket is disconnected", () => {
    const { conn, socketIo, socket } = fakeSocket(false);
    const onHit = vi.fn();
    takeHitsDirectly(socket, onHit);
    conn.emit("data", '2["hit",{"seq":1}]');
    expect(onHit).not.toHaveBeenCalled();
    expect(socketIo).toHaveBeenCalledTimes(1);
  });
});
