import { describe, expect, it } from "vitest";
import { generateRoomCode } from "./room-code";
import { seededRng } from "./rng";
import { PAD_IDS } from "./kit";
import { hitSchema, isClientEventName, parseClientMessage, parseHitFast, roomCodeSchema } from "./protocol";

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

  it("generates readable room codes that its own schema accepts, and still accepts old ones", () => {
    for (let i = 0; i < 200; i++) {
      const code = generateRoomCode();
      expect(roomCodeSchema.safeParse(code).success, code).toBe(true);
    }
    expect(roomCodeSchema.safeParse("brisk-otter-42").success).toBe(true);
    expect(roomCodeSchema.safeParse("brisk-otter-7k3m9q2").success).toBe(false);
  });
});

describe("parseHitFast (the hit hot path)", () => {
  const valid = { seq: 7, pad: "snare", velocity: 0.8, strikeAtMs: 1_764_000_000_123.25 };

  it("accepts a valid hit and strips unknown keys, like the schema", () => {
    expect(parseHitFast({ ...valid, extra: "x", resend: true })).toEqual({ ...valid, resend: true });
    expect(parseHitFast(valid)).toEqual(valid);
    expect(hitSchema.parse({ ...valid, extra: "x" })).toEqual(parseHitFast({ ...valid, extra: "x" }));
  });

  it("rejects what the schema rejects", () => {
    for (const bad of [
      null,
      [],
      "hit",
      { ...valid, seq: 0 },
      { ...valid, seq: 1.5 },
      { ...valid, seq: Number.MAX_SAFE_INTEGER + 2 },
      { ...valid, seq: "7" },
      { ...valid, pad: "cowbell" },
      { ...valid, pad: "toString" },
      { ...valid, velocity: -0.01 },
      { ...valid, velocity: 1.01 },
      { ...valid, velocity: Number.NaN },
      { ...valid, strikeAtMs: Number.POSITIVE_INFINITY },
      { ...valid, strikeAtMs: undefined },
      { ...valid, resend: "yes" },
    ]) {
      expect(parseHitFast(bad), JSON.stringify(bad)).toBeNull();
      expect(hitSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("agrees with hitSchema.safeParse on 20,000 seeded random payloads", () => {
    const rng = seededRng(20261125);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
    const numbers = [0, 1, -1, 0.5, 2, 7, 1e300, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1.5, 1_764_000_000_000];
    const anyValue = (): unknown =>
      pick<() => unknown>([() => pick(numbers), () => rng(), () => pick(PAD_IDS), () => "x", () => null, () => undefined, () => true, () => false, () => [], () => ({})])();
    const keys = ["seq", "pad", "velocity", "strikeAtMs", "resend", "from"] as const;
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const payload: Record<string, unknown> = {};
      for (const k of keys) {
        const r = rng();
        if (r < 0.03) continue; // missing
        if (r < 0.15) payload[k] = anyValue();
        else payload[k] = k === "seq" ? Math.floor(rng() * 100) : k === "pad" ? pick(PAD_IDS) : k === "velocity" ? rng() * 1.2 - 0.1 : k === "strikeAtMs" ? rng() * 1e12 : k === "resend" ? rng() < 0.5 : "someone";
      }
      const schema = hitSchema.safeParse(payload);
      const fast = parseHitFast(payload);
      expect(fast !== null, JSON.stringify(payload)).toBe(schema.success);
      if (schema.success) {
        accepted++;
        expect(fast).toEqual(schema.data);
      }
    }
    // both outcomes were exercised
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(19_000);
  });
});
