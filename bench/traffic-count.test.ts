import { describe, expect, it } from "vitest";
import { countFrame, emptyCounts, frameBytes, labelOf } from "./traffic-count";

describe("bench:traffic frame labels and sizes", () => {
  it("names Socket.IO events, acks and engine.io heartbeats", () => {
    expect(labelOf("message", '2["room:state",{"code":"x"}]')).toBe("room:state");
    expect(labelOf("message", '212["sync:ping",{"t0Ms":1}]')).toBe("sync:ping");
    expect(labelOf("message", '312[{"t0Ms":1,"t1Ms":2,"t2Ms":3}]')).toBe("ack");
    expect(labelOf("message", '0{"sid":"abc"}')).toBe("connect");
    expect(labelOf("ping", undefined)).toBe("engine.io ping");
  });

  it("counts the frame: type character, payload and a 2- or 4-byte header", () => {
    expect(frameBytes("2[]")).toBe(1 + 3 + 2);
    expect(frameBytes("x".repeat(200))).toBe(1 + 200 + 4);
    expect(frameBytes(undefined)).toBe(3);
    const c = emptyCounts();
    countFrame(c.in, "message", '2["hit",{}]');
    countFrame(c.in, "message", '2["hit",{}]');
    expect(c.in.byEvent.get("hit")).toEqual({ msgs: 2, bytes: 2 * (1 + 11 + 2) });
    expect(c.in.frames).toBe(2);
  });
});
