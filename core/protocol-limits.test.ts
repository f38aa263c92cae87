/**
 * Issue 12: one bound per stored field, shared by the hit schema, the fast
 * parser and the store (server/storage/prisma-store.ts calls hitRangeError),
 * so a hit the socket accepts is never refused by the database.
 */
import { describe, expect, it } from "vitest";
import { LIMITS, hearingSchema, hitRangeError, hitSchema, parseClientMessage, parseHitFast } from "./protocol";

const valid = { seq: 7, pad: "snare", velocity: 0.8, strikeAtMs: 1_764_000_000_123.25 };

describe("hit field limits (core/protocol.ts LIMITS)", () => {
  const edges: [string, number, boolean][] = [
    ["seq", LIMITS.seqMin, true],
    ["seq", LIMITS.seqMax, true],
    ["seq", LIMITS.seqMax + 1, false], // 2^31: the value that stuck a recording
    ["seq", Number.MAX_SAFE_INTEGER, false],
    ["seq", LIMITS.seqMin - 1, false],
    ["velocity", LIMITS.velocityMin, true],
    ["velocity", LIMITS.velocityMax, true],
    ["velocity", LIMITS.velocityMax + 1e-9, false],
    ["strikeAtMs", LIMITS.timeMsMax, true],
    ["strikeAtMs", LIMITS.timeMsMin, true],
    ["strikeAtMs", LIMITS.timeMsMax * 2, false],
    ["strikeAtMs", -Number.MAX_VALUE, false],
  ];
  it.each(edges)("%s = %d: schema, fast parser and store check agree (valid: %s)", (field, value, ok) => {
    const hit = { ...valid, [field]: value };
    expect(hitSchema.safeParse(hit).success).toBe(ok);
    expect(parseHitFast(hit) !== null).toBe(ok);
    expect(hitRangeError(hit) === null).toBe(ok);
  });

  it("tells the sender the range and the value", () => {
    const r = parseClientMessage("hit", { ...valid, seq: 2 ** 31 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe(`Invalid "hit" message: seq: seq must be within [1, 2147483647], got: 2147483648`);
    expect(hitRangeError({ ...valid, seq: 2 ** 31 })).toBe("seq must be an integer within [1, 2147483647], got: 2147483648");
  });

  it("hearings use the same seq and time bounds", () => {
    const h = { from: "abcdefgh", seq: LIMITS.seqMax, strikeAtMs: 1, soundedAtMs: 2, late: false, skipped: false };
    expect(hearingSchema.safeParse(h).success).toBe(true);
    expect(hearingSchema.safeParse({ ...h, seq: LIMITS.seqMax + 1 }).success).toBe(false);
    expect(hearingSchema.safeParse({ ...h, soundedAtMs: LIMITS.timeMsMax * 2 }).success).toBe(false);
  });
});
