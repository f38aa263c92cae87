/**
 * RedisOwnership when Redis fails (the happy paths run on a real Redis in
 * test/integration/ownership-redis.test.ts): a fake client and a fake clock.
 */
import { describe, expect, it } from "vitest";
import { RedisOwnership, type LeaseRedis, type LeaseSubscriber } from "./ownership-redis";

function fakes() {
  const state = { down: false, reply: [1] as unknown, renewReply: 1 as unknown, published: [] as [string, string][] };
  const redis: LeaseRedis = {
    eval: async (script) => {
      if (state.down) throw new Error("ECONNREFUSED");
      return script.includes("PTTL") ? state.reply : script.includes("PEXPIRE") ? state.renewReply : 1;
    },
    publish: async (channel, message) => void state.published.push([channel, message]),
  };
  const sub: LeaseSubscriber = { subscribe: async () => undefined, unsubscribe: async () => undefined };
  return { state, redis, sub };
}

describe("RedisOwnership when Redis fails", () => {
  it("takes no room while Redis is unreachable (clients retry)", async () => {
    const { state, redis, sub } = fakes();
    const o = new RedisOwnership("me", redis, sub, { leaseMs: 1_000 });
    state.down = true;
    expect(await o.acquire("R")).toEqual({ ok: false, retryAfterMs: 1_000 });
    expect(o.heldRooms()).toEqual([]);
  });

  it("keeps a room through failed renewals while its lease surely lasts, and drops it after", async () => {
    const { state, redis, sub } = fakes();
    let now = 0;
    const o = new RedisOwnership("me", redis, sub, { leaseMs: 1_000, now: () => now });
    const lost: string[] = [];
    o.onLost((c) => lost.push(c));
    expect(await o.acquire("R")).toEqual({ ok: true }); // valid until 0 + 1000 - 50
    state.down = true;
    now = 400;
    await o.renewAll();
    expect(lost).toEqual([]);
    now = 949;
    await o.renewAll();
    expect(lost).toEqual([]);
    now = 950;
    await o.renewAll();
    expect(lost).toEqual(["R"]);
  });

  it("a renewal that finds another holder's name drops the room; so does a round after a stall longer than the lease, without asking Redis", async () => {
    const { state, redis, sub } = fakes();
    let now = 0;
    const o = new RedisOwnership("me", redis, sub, { leaseMs: 1_000, now: () => now });
    const lost: string[] = [];
    o.onLost((c) => lost.push(c));
    await o.acquire("STOLEN");
    now = 300;
    state.renewReply = 0;
    await o.renewAll();
    expect(lost).toEqual(["STOLEN"]);

    state.renewReply = 1;
    await o.acquire("STALLED");
    now = 5_000;
    state.down = true; // would only delay the verdict: it is not even asked
    await o.renewAll();
    expect(lost).toEqual(["STOLEN", "STALLED"]);
  });

  it("asks the holder named by Redis to hand over, on the holder's own channel", async () => {
    const { state, redis, sub } = fakes();
    const o = new RedisOwnership("me", redis, sub, { leaseMs: 1_000, prefix: "p" });
    state.reply = [0, "other-server", 420];
    expect(await o.acquire("R")).toEqual({ ok: false, retryAfterMs: 420 });
    expect(state.published).toEqual([["p:owner-handover:other-server", "R"]]);
  });
});
