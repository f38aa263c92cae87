import { describe, expect, it } from "vitest";
import {
  ROOM_CODE_ALPHABET,
  ROOM_CODE_BITS,
  ROOM_CODE_PATTERN,
  ROOM_CODE_TAIL_CHARS,
  generateRoomCode,
  isNewFormatRoomCode,
  isRoomCode,
  normalizeTypedRoomCode,
} from "./room-code";

/** A byte source that returns `bytes` (padded with zeros) — to reach every symbol on purpose. */
const fixedBytes = (bytes: number[]) => (n: number) => Uint8Array.from({ length: n }, (_, i) => bytes[i] ?? 0);

describe("room codes (issue 12: 90,000 codes from a seeded PRNG were all found in 28 s)", () => {
  it("look like brave-otter-7k3m9q2x: two words and eight Crockford base-32 symbols", () => {
    for (let i = 0; i < 1_000; i++) {
      const code = generateRoomCode();
      expect(code).toMatch(/^[a-z]{3,6}-[a-z]{3,6}-[0-9a-hjkmnp-tv-z]{8}$/);
      expect(isNewFormatRoomCode(code) && isRoomCode(code), code).toBe(true);
      expect(code.length).toBeLessThanOrEqual(6 + 1 + 6 + 1 + 8);
    }
  });

  it("have 50 bits: every one of the ten symbols takes each of 32 values, and different bytes give different codes", () => {
    expect(ROOM_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(ROOM_CODE_ALPHABET).size).toBe(32);
    expect(ROOM_CODE_ALPHABET).not.toMatch(/[ilou]/); // nothing that reads as 1, 0 or v
    expect(ROOM_CODE_BITS).toBe(2 * 5 + ROOM_CODE_TAIL_CHARS * 5);
    for (let position = 0; position < 2 + ROOM_CODE_TAIL_CHARS; position++) {
      const codes = new Set<string>();
      for (let v = 0; v < 32; v++) {
        const bytes = Array<number>(10).fill(0);
        bytes[position] = v;
        codes.add(generateRoomCode(fixedBytes(bytes)));
      }
      expect(codes.size, `position ${position}`).toBe(32);
    }
    // only the low five bits of each byte count: 256 is a multiple of 32, so no symbol is favoured
    expect(generateRoomCode(fixedBytes([32 + 1, 64 + 2, 255]))).toBe(generateRoomCode(fixedBytes([1, 2, 31])));
  });

  it("come from the platform CSPRNG: no repeats in 20,000, every symbol about equally often", () => {
    const codes = Array.from({ length: 20_000 }, () => generateRoomCode());
    expect(new Set(codes).size).toBe(codes.length);
    const counts = new Map<string, number>();
    for (const c of codes) for (const ch of c.slice(-ROOM_CODE_TAIL_CHARS)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (codes.length * ROOM_CODE_TAIL_CHARS) / 32; // 5,000
    // chi-squared, 31 degrees of freedom: a uniform source exceeds 90 with p < 1e-6 (a biased
    // pick such as `byte % 30` over 32 symbols scores in the thousands)
    const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(90);
  });

  it("a broken byte source fails loudly", () => {
    expect(() => generateRoomCode(() => new Uint8Array(3))).toThrow("randomBytes must return 10 bytes, got: 3");
  });

  it("old links keep working: the old format is still a valid code", () => {
    for (const old of ["brisk-otter-42", "zesty-wombat-0", "happy-yak-99"]) expect(isRoomCode(old), old).toBe(true);
    for (const bad of ["brisk-otter-1234", "brisk-otter-7k3m9q2", "brisk-otter-7k3m9q2xy", "brisk-otter-7k3m9q2u", "Brisk-otter-42", "a-b", "brisk-otter-42/x", "../etc"]) {
      expect(ROOM_CODE_PATTERN.test(bad), bad).toBe(false);
    }
  });

  it("a typed code is forgiven case, spaces and Crockford's look-alikes", () => {
    expect(normalizeTypedRoomCode("  Brave-Otter-7K3M9Q2X ")).toBe("brave-otter-7k3m9q2x");
    expect(normalizeTypedRoomCode("brave-otter-7k3m9qzo")).toBe("brave-otter-7k3m9qz0");
    expect(normalizeTypedRoomCode("brave-otter-il3m9q2x")).toBe("brave-otter-113m9q2x");
    expect(normalizeTypedRoomCode("brisk-otter-42")).toBe("brisk-otter-42");
  });
});
