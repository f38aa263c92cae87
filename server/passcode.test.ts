import { describe, expect, it } from "vitest";
import { FailedAttemptLimiter, hashPasscode, verifyPasscode } from "./passcode";

describe("passcode hashing", () => {
  it("stores a salted scrypt hash, never the passcode, and verifies it", async () => {
    const a = await hashPasscode("open sesame");
    const b = await hashPasscode("open sesame");
    expect(a).toMatch(/^scrypt\$14\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toContain("sesame");
    expect(a).not.toBe(b); // a fresh salt each time
    expect(await verifyPasscode("open sesame", a)).toBe(true);
    expect(await verifyPasscode("open sesame", b)).toBe(true);
    expect(await verifyPasscode("open sesamE", a)).toBe(false);
    expect(await verifyPasscode("", a)).toBe(false);
  });

  it("treats canonically equal Unicode as the same passcode", async () => {
    const h = await hashPasscode("caf\u00e9");
    expect(await verifyPasscode("cafe\u0301", h)).toBe(true);
  });

  it("fails closed on malformed or absurd stored hashes", async () => {
    const good = await hashPasscode("1234");
    const parts = good.split("$");
    for (const bad of [
      "",
      "plain",
      good.replace("scrypt", "bcrypt"),
      [...parts.slice(0, 5), "c2hvcnQ"].join("$"), // key too short
      ["scrypt", "40", "8", "1", parts[4], parts[5]].join("$"), // 2^40 × 8 × 128 bytes: refused, not allocated
      ["scrypt", "x", "8", "1", parts[4], parts[5]].join("$"),
    ]) {
      expect(await verifyPasscode("1234", bad!)).toBe(false);
    }
  });
});

describe("FailedAttemptLimiter", () => {
  const limit = { maxFailures: 3, windowMs: 60_000 };

  it("refuses attempts once maxFailures failed within the window, with the time until the oldest expires", () => {
    const l = new FailedAttemptLimiter(limit);
    expect(l.begin("room", 0).ok).toBe(true);
    expect(l.begin("room", 1_000).ok).toBe(true);
    expect(l.begin("room", 2_000).ok).toBe(true);
    expect(l.begin("room", 3_000)).toEqual({ ok: false, retryAfterMs: 57_000 });
    expect(l.begin("other-room", 3_000).ok).toBe(true); // per key
    // The oldest failure leaves the window: exactly one more attempt.
    expect(l.begin("room", 59_999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(l.begin("room", 60_000).ok).toBe(true);
    expect(l.begin("room", 60_500)).toEqual({ ok: false, retryAfterMs: 500 });
  });

  it("does not count attempts that succeeded (released)", () => {
    const l = new FailedAttemptLimiter(limit);
    for (let i = 0; i < 10; i++) {
      const a = l.begin("room", i);
      if (!a.ok) throw new Error(`attempt ${i} refused`);
      a.release();
      a.release(); // idempotent
    }
    expect(l.size).toBe(0);
  });

  it("counts concurrent attempts when they begin, so a burst cannot slip past the limit", () => {
    const l = new FailedAttemptLimiter(limit);
    const started = Array.from({ length: 5 }, () => l.begin("room", 100));
    expect(started.map((a) => a.ok)).toEqual([true, true, true, false, false]);
    // One of them turned out right: it no longer counts.
    const first = started[0]!;
    if (first.ok) first.release();
    expect(l.begin("room", 200).ok).toBe(true);
    expect(l.begin("room", 300).ok).toBe(false);
  });

  it("forgets rooms whose failures are older than the window", () => {
    const l = new FailedAttemptLimiter(limit);
    l.begin("a", 0);
    l.begin("b", 0);
    expect(l.size).toBe(2);
    expect(l.begin("a", 60_000).ok).toBe(true);
    expect(l.size).toBe(2); // "b" is swept lazily (or when many rooms are tracked)
  });

  it("rejects nonsense limits loudly", () => {
    expect(() => new FailedAttemptLimiter({ maxFailures: 0, windowMs: 1000 })).toThrow(/maxFailures/);
    expect(() => new FailedAttemptLimiter({ maxFailures: 3, windowMs: 0 })).toThrow(/got/);
  });
});
