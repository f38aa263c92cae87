import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_MS, leaseTiming, passOnHandoverRequest, RETRY_MAX_MS, RETRY_MIN_MS, retryAfterMs, validUntil } from "./lease-timing";

describe("lease timing", () => {
  it("renews three times per lease and gives the room up a little before the TTL could end", () => {
    const t = leaseTiming();
    expect(t).toEqual({ leaseMs: DEFAULT_LEASE_MS, renewEveryMs: 1666, safetyMs: 250 });
    // validity counts from when the command was SENT (Redis starts the TTL later, never earlier)
    expect(validUntil(t, 10_000)).toBe(14_750);
    expect(leaseTiming(600)).toEqual({ leaseMs: 600, renewEveryMs: 200, safetyMs: 30 });
    expect(() => leaseTiming(100)).toThrow(/at least/);
    expect(() => leaseTiming(Number.NaN)).toThrow();
  });

  it("tells waiting clients to retry soon, never later than a second, whatever the holder's TTL", () => {
    expect(retryAfterMs(4_900)).toBe(RETRY_MAX_MS);
    expect(retryAfterMs(600)).toBe(600);
    expect(retryAfterMs(3)).toBe(RETRY_MIN_MS);
    expect(retryAfterMs(-2)).toBe(RETRY_MIN_MS); // expired between GET and PTTL
    expect(retryAfterMs(Number.NaN)).toBe(RETRY_MIN_MS);
  });

  it("passes a handover request on once per lease, not once per retrying client", () => {
    const t = leaseTiming(1_000);
    expect(passOnHandoverRequest(t, undefined, 5_000)).toBe(true);
    expect(passOnHandoverRequest(t, 5_000, 5_400)).toBe(false);
    expect(passOnHandoverRequest(t, 5_000, 6_000)).toBe(true); // the last handover evidently failed: ask again
  });
});
