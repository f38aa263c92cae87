import { describe, expect, it } from "vitest";
import {
  decodeDirectPacket,
  decodeDirectPing,
  encodeDirectPing,
  DIRECT_HEADER_BYTES,
  DIRECT_HIT_BYTES,
  DIRECT_MAX_HITS,
  DIRECT_REDUNDANCY,
  DirectSendWindow,
  encodeDirectPacket,
} from "./direct-packet";
import type { SentHit } from "./hit";
import { PAD_IDS } from "./kit";
import { LIMITS } from "./limits";
import { seededRng } from "./rng";

const hit = (seq: number, strikeAtMs = 1_764_000_000_000 + seq * 75.25, pad: SentHit["pad"] = "snare", velocity = 0.8): SentHit => ({
  seq,
  strikeAtMs,
  pad,
  velocity,
});

function decoded(bytes: Uint8Array): SentHit[] {
  const r = decodeDirectPacket(bytes);
  if (!r.ok) throw new Error(r.error);
  return r.packet.hits;
}

describe("direct packet: encode/decode", () => {
  it("round-trips seeded random hits: seq, pad and strike exactly, velocity within half a step", () => {
    const rng = seededRng(15);
    for (let run = 0; run < 300; run++) {
      const n = 1 + Math.floor(rng() * DIRECT_MAX_HITS);
      const first = 1 + Math.floor(rng() * (LIMITS.seqMax - 10));
      const hits = Array.from({ length: n }, (_, i) =>
        hit(first + i, (rng() - 0.5) * 2 * 1.8e12, PAD_IDS[Math.floor(rng() * PAD_IDS.length)]!, rng()),
      );
      const bytes = encodeDirectPacket(hits);
      expect(bytes.byteLength).toBe(DIRECT_HEADER_BYTES + n * DIRECT_HIT_BYTES);
      const back = decoded(bytes);
      expect(back.map((h) => [h.seq, h.pad, h.strikeAtMs])).toEqual(hits.map((h) => [h.seq, h.pad, h.strikeAtMs]));
      back.forEach((h, i) => expect(Math.abs(h.velocity - hits[i]!.velocity)).toBeLessThanOrEqual(0.5 / 65_535 + 1e-12));
    }
  });

  it("keeps the edges of every range", () => {
    const edges = [hit(LIMITS.seqMin, LIMITS.timeMsMin, "kick", 0), hit(LIMITS.seqMax, LIMITS.timeMsMax, "ride", 1)];
    expect(decoded(encodeDirectPacket(edges))).toEqual(edges);
  });

  it("a packet of the newest hit and three repeats is 64 bytes", () => {
    expect(encodeDirectPacket([hit(4), hit(3), hit(2), hit(1)]).byteLength).toBe(64);
  });

  it("carries the sender's clock when given (8 bytes more), and none when not", () => {
    const hits = [{ seq: 9, pad: "snare" as const, velocity: 1, strikeAtMs: 1_796_632_378_413.125 }];
    const withClock = encodeDirectPacket(hits, -1_796_632_000_000.5);
    expect(withClock.byteLength).toBe(DIRECT_HEADER_BYTES + 8 + DIRECT_HIT_BYTES);
    expect(decodeDirectPacket(withClock)).toEqual({ ok: true, packet: { hits, localMinusSharedMs: -1_796_632_000_000.5 } });
    expect(decodeDirectPacket(encodeDirectPacket(hits))).toEqual({ ok: true, packet: { hits, localMinusSharedMs: null } });
    expect(() => encodeDirectPacket(hits, Number.NaN)).toThrow(/localMinusSharedMs must be finite/);
    const bad = encodeDirectPacket(hits, 5);
    new DataView(bad.buffer).setFloat64(DIRECT_HEADER_BYTES, Number.POSITIVE_INFINITY, true);
    expect(decodeDirectPacket(bad)).toEqual({ ok: false, error: expect.stringContaining("clock must be finite") });
  });

  it("decodes from an ArrayBuffer and from a view into a larger buffer", () => {
    const bytes = encodeDirectPacket([hit(9)]);
    const big = new Uint8Array(bytes.byteLength + 10);
    big.set(bytes, 5);
    expect(decoded(new Uint8Array(big.buffer, 5, bytes.byteLength))).toEqual(decoded(bytes));
    const r = decodeDirectPacket(bytes.slice().buffer);
    expect(r.ok).toBe(true);
  });

  it.each([
    [[], "1 to 8 hits"],
    [Array.from({ length: DIRECT_MAX_HITS + 1 }, (_, i) => hit(i + 1)), "1 to 8 hits"],
    [[hit(0)], "seq must be an integer within [1, 2147483647], got: 0"],
    [[hit(1.5)], "seq must be an integer"],
    [[hit(1, Number.NaN)], "strikeAtMs must be within"],
    [[hit(1, 0, "kick", 1.01)], "velocity must be within [0, 1], got: 1.01"],
    [[hit(1, 0, "cowbell" as SentHit["pad"])], "pad must be one of"],
    [[hit(2), hit(2)], "seq 2 twice"],
  ])("encode refuses %# with a RangeError naming the problem", (hits, message) => {
    expect(() => encodeDirectPacket(hits)).toThrow(RangeError);
    expect(() => encodeDirectPacket(hits)).toThrow(message);
  });
});

describe("direct packet: malformed input is refused with a reason", () => {
  const good = () => encodeDirectPacket([hit(7), hit(6)]);
  const patched = (patch: (v: DataView, b: Uint8Array) => void): Uint8Array => {
    const b = good();
    patch(new DataView(b.buffer), b);
    return b;
  };
  it.each<[string, () => Uint8Array, string]>([
    ["empty", () => new Uint8Array(0), "at least 19 bytes, got: 0"],
    ["truncated", () => good().slice(0, 30), "2 hits take 34 bytes, got: 30"],
    ["trailing bytes", () => new Uint8Array([...good(), 0]), "2 hits take 34 bytes, got: 35"],
    ["wrong magic", () => patched((v) => v.setUint8(0, 0x7b)), "magic must be 0x42, got: 0x7b"],
    ["JSON text", () => new TextEncoder().encode(JSON.stringify({ seq: 1, pad: "kick", velocity: 1, strikeAtMs: 5 })), "magic"],
    ["unknown version", () => patched((v) => v.setUint8(1, 2)), "version must be 1, got: 2"],
    ["count 0", () => patched((v) => v.setUint8(2, 0)), "hit count must be within [1, 8], got: 0"],
    ["count 9", () => patched((v) => v.setUint8(2, 9)), "hit count must be within [1, 8], got: 9"],
    ["flags", () => patched((v) => v.setUint8(3, 2)), "flags must be 0 or 1, got: 2"],
    ["seq 0", () => patched((v) => v.setUint32(4, 0, true)), "hit 0: seq must be an integer within [1, 2147483647], got: 0"],
    ["seq 2^31", () => patched((v) => v.setUint32(4 + 15, 2 ** 31, true)), "hit 1: seq must be"],
    ["NaN strike", () => patched((v) => v.setFloat64(8, Number.NaN, true)), "hit 0: strikeAtMs must be within"],
    ["infinite strike", () => patched((v) => v.setFloat64(8, Number.POSITIVE_INFINITY, true)), "strikeAtMs must be within"],
    ["pad index", () => patched((v) => v.setUint8(16, PAD_IDS.length)), `pad index must be within [0, ${PAD_IDS.length - 1}], got: ${PAD_IDS.length}`],
    ["duplicate seq", () => patched((v) => v.setUint32(4 + 15, 7, true)), "hit 1: seq 7 twice in one packet"],
  ])("%s", (_name, bytes, message) => {
    const r = decodeDirectPacket(bytes());
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.error.startsWith("direct packet: ")).toBe(true);
    }
  });

  it.each([["a string", '{"seq":1}', "got: string"], ["null", null, "got: null"], ["a number", 42, "got: number"], ["an array", [66, 1, 1, 0], "got: object"]])(
    "refuses %s: a packet must be binary",
    (_name, data, message) => {
      const r = decodeDirectPacket(data);
      expect(r).toEqual({ ok: false, error: `direct packet: must be binary (an ArrayBuffer or a view of one), ${message}` });
    },
  );

  it("never throws on seeded random bytes", () => {
    const rng = seededRng(1515);
    for (let i = 0; i < 2000; i++) {
      const b = good();
      // flip a few random bytes, sometimes cut or extend
      for (let k = 0; k < 1 + Math.floor(rng() * 4); k++) b[Math.floor(rng() * b.length)] = Math.floor(rng() * 256);
      const cut = rng() < 0.2 ? b.slice(0, Math.floor(rng() * b.length)) : b;
      const r = decodeDirectPacket(cut);
      if (r.ok) for (const h of r.packet.hits) expect(Number.isInteger(h.seq) && Number.isFinite(h.strikeAtMs)).toBe(true);
    }
  });
});

describe("DirectSendWindow", () => {
  it("sends each hit with up to three earlier ones, newest first", () => {
    const w = new DirectSendWindow();
    expect(w.hitsFor(hit(1, 0)).map((h) => h.seq)).toEqual([1]);
    expect(w.hitsFor(hit(2, 10)).map((h) => h.seq)).toEqual([2, 1]);
    w.hitsFor(hit(3, 20));
    expect(w.hitsFor(hit(4, 30)).map((h) => h.seq)).toEqual([4, 3, 2, 1]);
    expect(w.hitsFor(hit(5, 40)).map((h) => h.seq)).toEqual([5, 4, 3, 2]);
    expect(DIRECT_REDUNDANCY).toBe(3);
  });

  it("does not repeat hits struck more than 250 ms before the new one", () => {
    const w = new DirectSendWindow();
    w.hitsFor(hit(1, 0));
    w.hitsFor(hit(2, 100));
    expect(w.hitsFor(hit(3, 300)).map((h) => h.seq)).toEqual([3, 2]);
    expect(w.hitsFor(hit(4, 1000)).map((h) => h.seq)).toEqual([4]);
  });

  it("makes packets the decoder accepts, and refuses a redundancy the format cannot carry", () => {
    const w = new DirectSendWindow(DIRECT_MAX_HITS - 1);
    let last = new Uint8Array();
    for (let s = 1; s <= 20; s++) last = w.packetFor(hit(s, s));
    expect(decoded(last)).toHaveLength(DIRECT_MAX_HITS);
    expect(() => new DirectSendWindow(DIRECT_MAX_HITS)).toThrow("redundancy must be an integer within [0, 7], got: 8");
  });
});

describe("direct pings", () => {
  it("round-trip a ping and a pong; a hit packet or junk is no ping", () => {
    expect(decodeDirectPing(encodeDirectPing({ kind: "ping", t0Ms: 1234.5 }))).toEqual({ kind: "ping", t0Ms: 1234.5, t1Ms: null });
    expect(decodeDirectPing(encodeDirectPing({ kind: "pong", t0Ms: -7 }).buffer)).toEqual({ kind: "pong", t0Ms: -7, t1Ms: null });
    // the answerer's clock (core/peer-clock.ts)
    expect(decodeDirectPing(encodeDirectPing({ kind: "pong", t0Ms: 10.25, t1Ms: 98_765.125 }))).toEqual({ kind: "pong", t0Ms: 10.25, t1Ms: 98_765.125 });
    expect(decodeDirectPing(encodeDirectPing({ kind: "pong", t0Ms: 1, t1Ms: NaN }))).toEqual({ kind: "pong", t0Ms: 1, t1Ms: null });
    expect(decodeDirectPing(encodeDirectPacket([{ seq: 1, pad: PAD_IDS[0]!, velocity: 1, strikeAtMs: 5 }]))).toBeNull();
    const bad = encodeDirectPing({ kind: "ping", t0Ms: 1 });
    bad[2] = 7;
    expect(decodeDirectPing(bad)).toBeNull();
    expect(decodeDirectPing("ping")).toBeNull();
    expect(() => encodeDirectPing({ kind: "ping", t0Ms: NaN })).toThrow(/t0Ms must be finite/);
  });
});
