import { describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS, DropVerdict, EventClass, SocketRateLimiter, eventClass, hitClass, resolveRateLimits } from "./rate-limit";

describe("SocketRateLimiter", () => {
  it("classifies events", () => {
    expect(eventClass("hit")).toBe(EventClass.Hit);
    expect(eventClass("sync:ping")).toBe(EventClass.Sync);
    expect(eventClass("join")).toBe(EventClass.Other);
    expect(eventClass("no-such-event")).toBe(EventClass.Other);
    expect(hitClass({ seq: 1, resend: true })).toBe(EventClass.Resend);
    expect(hitClass({ seq: 1, resend: "true" })).toBe(EventClass.Hit);
    expect(hitClass(null)).toBe(EventClass.Hit);
    expect(hitClass("resend")).toBe(EventClass.Hit);
  });

  it("keeps separate budgets per class (defaults: hit 60, sync 30, other 20 at once)", () => {
    const l = new SocketRateLimiter(DEFAULT_RATE_LIMITS, 0);
    const count = (cls: EventClass) => {
      let n = 0;
      while (l.allow(cls, 0)) n++;
      return n;
    };
    expect(count(EventClass.Hit)).toBe(60);
    expect(count(EventClass.Sync)).toBe(30);
    expect(count(EventClass.Other)).toBe(20);
    expect(count(EventClass.Resend)).toBe(2_400);
    expect(l.retryAfterMs(EventClass.Hit, 0)).toBe(25);
    expect(l.retryAfterMs(EventClass.Other, 0)).toBe(200);
  });

  it("notifies at most once per errorIntervalMs and flags sustained abuse", () => {
    const l = new SocketRateLimiter(resolveRateLimits({ abuse: { maxDropped: 10, windowMs: 10_000 } }), 0);
    const verdicts: DropVerdict[] = [];
    for (let i = 0; i < 10; i++) verdicts.push(l.drop(i * 100, true));
    expect(verdicts.filter((v) => v === DropVerdict.Notify)).toHaveLength(1);
    expect(l.drop(1100, true)).toBe(DropVerdict.Notify); // over a second later: tell again
    // 12 drops within ~1 s of a 10-per-10-s budget: the next one is abuse
    expect(l.drop(1101, true)).toBe(DropVerdict.Abuse);
    expect(l.banned).toBe(true);
    expect(l.allow(EventClass.Hit, 5_000)).toBe(false);
    expect(l.drop(5_000, true)).toBe(DropVerdict.Quiet);
  });

  it("forgives drops at the window's rate", () => {
    const l = new SocketRateLimiter(resolveRateLimits({ abuse: { maxDropped: 10, windowMs: 10_000 } }), 0);
    // one drop per second forever (the meter refills 1/s): never abuse
    for (let i = 0; i < 1000; i++) expect(l.drop(i * 1000, true)).not.toBe(DropVerdict.Abuse);
  });

  it("counts invalid messages towards abuse without a rate_limited notice", () => {
    const l = new SocketRateLimiter(resolveRateLimits({ abuse: { maxDropped: 3, windowMs: 1000 } }), 0);
    expect([l.drop(0, false), l.drop(0, false), l.drop(0, false)]).toEqual([DropVerdict.Quiet, DropVerdict.Quiet, DropVerdict.Quiet]);
    expect(l.drop(0, false)).toBe(DropVerdict.Abuse);
  });

  it("merges overrides onto the defaults and rejects nonsense", () => {
    const r = resolveRateLimits({ hit: { perSecond: 5 } });
    expect(r.hit).toEqual({ burst: 60, perSecond: 5 });
    expect(r.other).toEqual(DEFAULT_RATE_LIMITS.other);
    expect(() => resolveRateLimits({ hit: { burst: 0 } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ abuse: { windowMs: 0 } })).toThrow(RangeError);
  });
});
