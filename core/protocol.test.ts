import { describe, expect, it } from "vitest";
import { generateRoomCode } from "./room-code";
import { seededRng } from "./rng";
import { isClientEventName, parseClientMessage, roomCodeSchema } from "./protocol";

describe("protocol validation", () => {
  it("accepts a well-formed hit", () => {
    const r = parseClientMessage("hit", { seq: 1, pad: "kick", velocity: 0.8, strikeAtMs: 1234.5 });
    expect(r.ok).toBe(true);
  });

  it.each([
    [{ seq: 0, pad: "kick", velocity: 0.8, strikeAtMs: 1 }, "seq"],
    [{ seq: 1, pad: "cowbell", velocity: 0.8, strikeAtMs: 1 }, "pad"],
    [{ seq: 1, pad: "kick", velocity: 2, strikeAtMs: 1 }, "velocity"],
    [{ seq: 1, pad: "kick", velocity: 0.5, strikeAtMs: Number.POSITIVE_INFINITY }, "strikeAtMs"],
    ["not an object", "(root)"],
  ])("rejects %j naming %s", (payload, field) => {
    const r = parseClientMessage("hit", payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("invalid_message");
      expect(r.error.message).toContain(field);
    }
  });

  it("trims display names and rejects empty or long ones", () => {
    const base = { protocolVersion: 1, roomCode: "brisk-otter-42", participantId: "abcdefgh12" };
    const ok = parseClientMessage("join", { ...base, name: "  Ada   Lovelace " });
    expect(ok.ok && ok.value.name).toBe("Ada Lovelace");
    expect(parseClientMessage("join", { ...base, name: "   " }).ok).toBe(false);
    expect(parseClientMessage("join", { ...base, name: "x".repeat(33) }).ok).toBe(false);
  });

  it("knows its event names", () => {
    expect(isClientEventName("hit")).toBe(true);
    expect(isClientEventName("__proto__")).toBe(false);
    expect(isClientEventName("toString")).toBe(false);
  });

  it("generates readable room codes that its own schema accepts", () => {
    const rng = seededRng(1);
    for (let i = 0; i < 200; i++) {
      const code = generateRoomCode(rng);
      expect(roomCodeSchema.safeParse(code).success, code).toBe(true);
    }
  });
});
