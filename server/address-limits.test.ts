import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ROOM_CODE_BITS } from "../core/room-code";
import { AddressLimiter, DEFAULT_ADDRESS_LIMITS, LIFTED_ADDRESS_LIMITS, limitMessage, validateAddressLimits, type AddressLimits } from "./address-limits";

const SECONDS_PER_YEAR = 365.25 * 86_400;
const perSecond = (b: { points: number; windowMs: number }) => b.points / (b.windowMs / 1000);

describe("scanning the room codes at the allowed rate (issue 12: every room found in 28 s)", () => {
  // From the real constants: change a limit or the code format and this says whether the target still holds.
  const codes = 2 ** ROOM_CODE_BITS;
  // Both oracles of whether a room exists, ignoring the tighter budget of misses.
  const probesPerSecond = perSecond(DEFAULT_ADDRESS_LIMITS.lookup) + perSecond(DEFAULT_ADDRESS_LIMITS.join);

  it("new codes carry at least 48 bits", () => {
    expect(ROOM_CODE_BITS).toBe(50);
    expect(ROOM_CODE_BITS).toBeGreaterThanOrEqual(48);
  });

  it("takes one address ≥ 10 years to try every code (look-ups + joins, misses not even counted)", () => {
    const years = codes / probesPerSecond / SECONDS_PER_YEAR;
    expect(probesPerSecond).toBe(3); // 60 look-ups + 120 joins a minute
    expect(years).toBeGreaterThanOrEqual(10);
    expect(Math.round(years / 1e6)).toBe(12); // ~11.9 million years (docs/architecture.md)
  });

  it("takes ≥ 10 years to find even one of a million live rooms", () => {
    const liveRooms = 1_000_000;
    const expectedYears = codes / liveRooms / probesPerSecond / SECONDS_PER_YEAR;
    expect(expectedYears).toBeGreaterThanOrEqual(10);
  });

  it("with the budget of misses, billions of years; the old 90,000 codes take months", () => {
    const missesPerSecond = perSecond(DEFAULT_ADDRESS_LIMITS.miss);
    expect(codes / missesPerSecond / SECONDS_PER_YEAR).toBeGreaterThan(1e9);
    const oldCodes = 30 * 30 * 100;
    expect(Math.round(oldCodes / missesPerSecond / 86_400)).toBe(125); // days, per address
  });
});

describe("AddressLimiter (memory store, fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  const limits = (o: Partial<AddressLimits> = {}): AddressLimits => ({ ...DEFAULT_ADDRESS_LIMITS, ...o });

  it("allows `points` per window and address, then refuses until the window ends", async () => {
    const l = new AddressLimiter(limits({ lookup: { points: 3, windowMs: 60_000 } }), { kind: "memory" });
    for (let i = 0; i < 3; i++) expect(await l.take("lookup", "198.51.100.7")).toEqual({ ok: true });
    expect(await l.take("lookup", "198.51.100.7")).toEqual({ ok: false, retryAfterMs: 60_000 });
    vi.advanceTimersByTime(45_000);
    expect(await l.take("lookup", "198.51.100.7")).toEqual({ ok: false, retryAfterMs: 15_000 });
    // another address, another budget; another budget of the same address too
    expect((await l.take("lookup", "198.51.100.8")).ok).toBe(true);
    expect((await l.take("create", "198.51.100.7")).ok).toBe(true);
    vi.advanceTimersByTime(15_000);
    expect((await l.take("lookup", "198.51.100.7")).ok).toBe(true);
  });

  it("check looks without spending", async () => {
    const l = new AddressLimiter(limits({ miss: { points: 2, windowMs: 3_600_000 } }), { kind: "memory" });
    for (let i = 0; i < 5; i++) expect((await l.check("miss", "k")).ok).toBe(true);
    await l.take("miss", "k");
    expect((await l.check("miss", "k")).ok).toBe(true);
    await l.take("miss", "k");
    expect(await l.check("miss", "k")).toEqual({ ok: false, retryAfterMs: 3_600_000 });
  });

  it("pauses an address for abuseCooldownMs; a later pause never shortens it", async () => {
    const l = new AddressLimiter(limits({ abuseCooldownMs: 60_000 }), { kind: "memory" });
    expect(await l.pausedFor("bad")).toBe(0);
    await l.pause("bad");
    expect(await l.pausedFor("bad")).toBe(60_000);
    vi.advanceTimersByTime(30_000);
    await l.pause("bad");
    expect(await l.pausedFor("bad")).toBe(60_000); // extended from now
    expect(await l.pausedFor("good")).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(await l.pausedFor("bad")).toBe(0);
  });

  it("lifted limits count nothing, however much one address asks", async () => {
    const l = new AddressLimiter(LIFTED_ADDRESS_LIMITS, { kind: "memory" });
    for (let i = 0; i < 10_000; i++) expect((await l.take("join", "127.0.0.1")).ok).toBe(true);
    await l.pause("127.0.0.1");
    expect(await l.pausedFor("127.0.0.1")).toBe(0);
  });

  it("forgets an address once its window is over (memory stays bounded)", async () => {
    const l = new AddressLimiter(limits({ lookup: { points: 1, windowMs: 1_000 } }), { kind: "memory" });
    for (let i = 0; i < 1_000; i++) await l.take("lookup", `10.0.${i >> 8}.${i & 255}`);
    expect(vi.getTimerCount()).toBe(1_000); // one expiry each
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("limits and their messages", () => {
  it("rejects nonsense, naming the value", () => {
    const bad = (o: Partial<AddressLimits>) => () => validateAddressLimits({ ...DEFAULT_ADDRESS_LIMITS, ...o });
    expect(bad({})).not.toThrow();
    expect(bad({ lookup: { points: 0, windowMs: 60_000 } })).toThrow("connections.lookup.points must be a whole number ≥ 1 (or Infinity), got: 0");
    expect(bad({ join: { points: 1.5, windowMs: 60_000 } })).toThrow(RangeError);
    expect(bad({ create: { points: 10, windowMs: 1_500 } })).toThrow("connections.create.windowMs must be whole seconds ≥ 1000, got: 1500");
    expect(bad({ maxOpen: 0 })).toThrow(/maxOpen must be ≥ 1/);
    expect(bad({ abuseCooldownMs: -1 })).toThrow(RangeError);
    expect(bad({ abuseCooldownMs: 1_500 })).toThrow(/whole seconds/);
  });

  it("tells the client what and how long", () => {
    expect(limitMessage("lookup", 42_001)).toBe("Too many room look-ups from your network: try again in 43 s.");
    expect(limitMessage("miss", 3_000_000)).toBe("Too many look-ups of rooms that do not exist from your network: try again in 50 min.");
  });
});
