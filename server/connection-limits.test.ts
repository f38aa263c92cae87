import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { connectRefusalOf, reconnectAfterRefusalMs } from "../core/connect-refusal";
import {
  DEFAULT_CONNECTION_LIMITS,
  IpConnectionLimiter,
  LIFTED_CONNECTION_LIMITS,
  addressKey,
  clientAddress,
  type Admission,
  type ConnectionLimits,
} from "./connection-limits";
import { loadEnv } from "./env";
import { resolveRateLimits } from "./rate-limit";

const limits = (overrides: Partial<ConnectionLimits> = {}): ConnectionLimits => ({ ...DEFAULT_CONNECTION_LIMITS, ...overrides });

/** Admits `n` handshakes from `key` at `atMs`; returns how many got in. */
function admitMany(l: IpConnectionLimiter, key: string, n: number, atMs: number): number {
  let admitted = 0;
  for (let i = 0; i < n; i++) if (l.admit(key, atMs).ok) admitted++;
  return admitted;
}

function refusalOf(a: Admission) {
  if (a.ok) throw new Error("expected a refusal");
  return a;
}

function request(remoteAddress: string | undefined, forwardedFor?: string | string[]): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } } as unknown as IncomingMessage;
}

describe("IpConnectionLimiter (fake clock)", () => {
  it("admits a burst of new connections, then one per 1/perSecond", () => {
    const l = new IpConnectionLimiter(limits({ burst: 20, perSecond: 1 }), 0);
    expect(admitMany(l, "198.51.100.7", 20, 0)).toBe(20);
    const r = refusalOf(l.admit("198.51.100.7", 0));
    expect(r.refusal).toMatchObject({ code: "rate_limited", details: { reason: "new", retryAfterMs: 1000 } });
    expect(r.refusal.message).toBe("Too many new connections from your network: try again in 1 s.");
    expect(l.admit("198.51.100.7", 400).ok).toBe(false);
    expect(l.admit("198.51.100.7", 1000).ok).toBe(true); // one token back after a second
    expect(l.admit("198.51.100.7", 1000).ok).toBe(false);
    // a long quiet spell buys one burst, no more
    expect(admitMany(l, "198.51.100.7", 50, 3_600_000)).toBe(20);
  });

  it("keeps each address's budget apart", () => {
    const l = new IpConnectionLimiter(limits({ burst: 2, perSecond: 0 }), 0);
    expect(admitMany(l, "a", 5, 0)).toBe(2);
    expect(admitMany(l, "b", 5, 0)).toBe(2);
  });

  it("with the defaults, never bothers a page reloaded a few times or a room of 8 behind one NAT", () => {
    const l = new IpConnectionLimiter(DEFAULT_CONNECTION_LIMITS, 0);
    const nat = "203.0.113.50";
    // 8 players join at once, each reloads three times within ten seconds
    let t = 0;
    for (let i = 0; i < 8; i++) {
      expect(l.admit(nat, t).ok).toBe(true);
      l.opened(nat, t);
    }
    for (let reload = 0; reload < 3; reload++) {
      t += 3_000;
      for (let i = 0; i < 8; i++) {
        l.closed(nat);
        expect(l.admit(nat, t).ok).toBe(true);
        l.opened(nat, t);
      }
    }
    // a server restart: everyone reconnects at once
    t += 10_000;
    for (let i = 0; i < 8; i++) l.closed(nat);
    for (let i = 0; i < 8; i++) expect(l.admit(nat, t).ok).toBe(true);
  });

  it("caps open connections per address; a closed one frees a slot and the cap spends no token", () => {
    const l = new IpConnectionLimiter(limits({ burst: 100, perSecond: 0, maxOpen: 3 }), 0);
    for (let i = 0; i < 3; i++) {
      expect(l.admit("k", 0).ok).toBe(true);
      l.opened("k", 0);
    }
    expect(l.openCount("k")).toBe(3);
    for (let i = 0; i < 10; i++) {
      const r = refusalOf(l.admit("k", 0));
      expect(r.refusal).toMatchObject({ code: "rate_limited", details: { reason: "open", retryAfterMs: 5000 } });
      expect(r.refusal.message).toContain("at most 3");
    }
    l.closed("k");
    expect(l.admit("k", 0).ok).toBe(true);
    l.opened("k", 0);
    for (let i = 0; i < 3; i++) l.closed("k");
    expect(l.openCount("k")).toBe(0);
    // 4 tokens spent by the admitted ones; the 10 refusals spent none
    expect(admitMany(l, "k", 200, 0)).toBe(96);
  });

  it("pauses an address after abuse, for abuseCooldownMs", () => {
    const l = new IpConnectionLimiter(limits({ abuseCooldownMs: 60_000 }), 0);
    l.pause("bad", 1_000);
    const r = refusalOf(l.admit("bad", 1_000));
    expect(r.refusal).toMatchObject({ code: "abuse", details: { reason: "abuse", retryAfterMs: 60_000 } });
    expect(r.refusal.message).toContain("refused for 60 s");
    expect(refusalOf(l.admit("bad", 60_999)).refusal.details.retryAfterMs).toBe(1);
    expect(l.admit("bad", 61_000).ok).toBe(true);
    expect(l.admit("good", 1_000).ok).toBe(true);
    // a second abuse while paused does not shorten the pause
    l.pause("bad", 100_000);
    l.pause("bad", 100_000 - 30_000);
    expect(refusalOf(l.admit("bad", 150_000)).refusal.details.retryAfterMs).toBe(10_000);
  });

  it("explains only a few refusals per address; the rest are refused before the upgrade", () => {
    const l = new IpConnectionLimiter(limits({ burst: 1, perSecond: 0, explainBurst: 2, explainPerSecond: 0.2 }), 0);
    expect(l.admit("k", 0).ok).toBe(true);
    const explained = Array.from({ length: 10 }, () => refusalOf(l.admit("k", 0)).explain);
    expect(explained).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(refusalOf(l.admit("k", 4_999)).explain).toBe(false);
    expect(refusalOf(l.admit("k", 5_000)).explain).toBe(true); // one explanation per 5 s
  });

  it("forgets idle addresses with nothing left to remember, and only those", () => {
    const l = new IpConnectionLimiter(limits({ burst: 10, perSecond: 1, abuseCooldownMs: 60_000 }), 0);
    l.admit("idle", 0); // one token spent: full again after 1 s
    l.admit("open", 0);
    l.opened("open", 0);
    l.pause("paused", 0);
    admitMany(l, "drained", 10, 0); // full again only after 10 s
    expect(l.tracked).toBe(4);
    l.admit("probe", 5_000); // before the first sweep (every 10 s): nothing forgotten
    expect(l.tracked).toBe(5);
    l.admit("probe", 10_000); // sweep: idle, drained (refilled by now) and probe-free
    expect([l.tracked, l.openCount("open")]).toEqual([3, 1]); // open, paused, probe (just spent a token)
    expect(l.admit("paused", 10_000).ok).toBe(false);
    l.closed("open");
    l.admit("probe", 70_000);
    expect(l.tracked).toBe(1); // the pause is over, the connection closed: only the probe itself
  });

  it("never tracks more than maxTracked idle addresses (least recently seen evicted first)", () => {
    const l = new IpConnectionLimiter(limits({ burst: 5, perSecond: 0, maxTracked: 100 }), 0);
    l.admit("busy", 0);
    l.opened("busy", 0); // has an open connection: never evicted
    for (let i = 0; i < 1_000; i++) l.admit(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(l.tracked).toBe(100);
    expect(l.openCount("busy")).toBe(1);
    // the most recent ones are still remembered: 5 spent of 5
    admitMany(l, "10.0.3.231", 4, 0);
    expect(l.admit("10.0.3.231", 0).ok).toBe(false);
  });

  it("lifted limits let a whole fuzzer through from one address", () => {
    const l = new IpConnectionLimiter(resolveRateLimits({ connections: LIFTED_CONNECTION_LIMITS }).connections, 0);
    for (let i = 0; i < 10_000; i++) {
      expect(l.admit("127.0.0.1", i).ok).toBe(true);
      l.opened("127.0.0.1", i);
    }
    l.pause("127.0.0.1", 10_000);
    expect(l.admit("127.0.0.1", 10_000).ok).toBe(true);
  });
});

describe("client addresses", () => {
  it("uses the socket's address and ignores X-Forwarded-For unless proxies are trusted", () => {
    expect(clientAddress(request("192.0.2.10", "1.2.3.4"), 0)).toBe("192.0.2.10");
    expect(clientAddress(request(undefined), 0)).toBe("unknown");
  });

  it("reads X-Forwarded-For from the right, one entry per trusted proxy", () => {
    // the client wrote "6.6.6.6"; nginx appended the address it saw
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 198.51.100.23"), 1)).toBe("198.51.100.23");
    // a CDN then nginx: two trusted hops
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 198.51.100.23, 203.0.113.9"), 2)).toBe("198.51.100.23");
    // fewer entries than hops: the furthest one there is
    expect(clientAddress(request("10.0.0.2", "198.51.100.23"), 3)).toBe("198.51.100.23");
    // repeated headers, ports, brackets
    expect(clientAddress(request("10.0.0.2", ["6.6.6.6", "198.51.100.23:5123"]), 1)).toBe("198.51.100.23");
    expect(clientAddress(request("10.0.0.2", "[2001:db8::1]:443"), 1)).toBe("2001:db8::1");
    // a malformed trusted entry stops the walk at the last good address
    expect(clientAddress(request("10.0.0.2", "198.51.100.23, nonsense"), 2)).toBe("10.0.0.2");
    expect(clientAddress(request("10.0.0.2", "<script>, 198.51.100.23"), 2)).toBe("198.51.100.23");
    expect(clientAddress(request("10.0.0.2", ""), 1)).toBe("10.0.0.2");
    expect(clientAddress(request("10.0.0.2"), 1)).toBe("10.0.0.2");
  });

  it("keys IPv4 as is and IPv6 by its /64", () => {
    expect(addressKey("198.51.100.23")).toBe("198.51.100.23");
    expect(addressKey("::ffff:198.51.100.23")).toBe("198.51.100.23");
    expect(addressKey("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(addressKey("2001:db8:85a3:0042:1000:8a2e:0370:7334")).toBe("2001:db8:85a3:42::/64");
    expect(addressKey("2001:db8:85a3:42::1")).toBe("2001:db8:85a3:42::/64");
    expect(addressKey("2001:DB8:85A3:42:ffff::")).toBe("2001:db8:85a3:42::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
    expect(addressKey("unknown")).toBe("unknown");
  });
});

describe("limits and refusals", () => {
  it("reads TRUST_PROXY (a number of proxies; true is one) and IP_CONNECTION_LIMITS from the environment", () => {
    const env = (vars: Record<string, string>) => loadEnv(vars as NodeJS.ProcessEnv);
    expect(env({}).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: " " }).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(env({ TRUST_PROXY: "FALSE" }).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(() => env({ TRUST_PROXY: "yes" })).toThrow(/TRUST_PROXY/);
    expect(() => env({ TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY/);
    expect(env({}).IP_CONNECTION_LIMITS).toBe("on");
    expect(env({ IP_CONNECTION_LIMITS: "off" }).IP_CONNECTION_LIMITS).toBe("off");
    expect(() => env({ IP_CONNECTION_LIMITS: "false" })).toThrow(/IP_CONNECTION_LIMITS/);
  });

  it("merges connection overrides onto the defaults and rejects nonsense", () => {
    expect(resolveRateLimits({ connections: { maxOpen: 5 } }).connections).toEqual({ ...DEFAULT_CONNECTION_LIMITS, maxOpen: 5 });
    expect(() => resolveRateLimits({ connections: { burst: 0 } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ connections: { perSecond: Number.NaN } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ connections: { maxOpen: 0 } })).toThrow(/maxOpen must be ≥ 1/);
    expect(() => resolveRateLimits({ connections: { abuseCooldownMs: -1 } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ connections: { maxTracked: Number.POSITIVE_INFINITY } })).toThrow(RangeError);
  });

  it("a refusal the server sends is one the client reads back (and only that)", () => {
    const l = new IpConnectionLimiter(limits({ burst: 1, perSecond: 0.5 }), 0);
    l.admit("k", 0);
    const { refusal } = refusalOf(l.admit("k", 0));
    const err = Object.assign(new Error(refusal.message), { data: JSON.parse(JSON.stringify(refusal)) as unknown });
    expect(connectRefusalOf(err)).toEqual(refusal);
    expect(reconnectAfterRefusalMs(refusal, () => 0)).toBe(2000);
    expect(reconnectAfterRefusalMs({ ...refusal, details: { reason: "new", retryAfterMs: 10 } }, () => 0.5)).toBe(1500); // at least a second
    expect(connectRefusalOf(new Error("websocket error"))).toBeNull();
    expect(connectRefusalOf({ data: { code: "kicked", message: "x", details: { reason: "new", retryAfterMs: 1 } } })).toBeNull();
    expect(connectRefusalOf({ data: { code: "abuse", message: "x", details: { reason: "abuse", retryAfterMs: -1 } } })).toBeNull();
    expect(connectRefusalOf(null)).toBeNull();
    // an absurd wait is cut to ten minutes
    expect(connectRefusalOf({ data: { code: "abuse", message: "x", details: { reason: "abuse", retryAfterMs: 1e12 } } })?.details.retryAfterMs).toBe(600_000);
  });
});
