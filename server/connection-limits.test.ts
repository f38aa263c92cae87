import type { IncomingMessage } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connectRefusalOf, reconnectAfterRefusalMs, type ConnectRefusal } from "../core/connect-refusal";
import { AddressLimiter } from "./address-limits";
import { addressKey, clientAddress, compileTrust, type TrustProxy } from "./client-address";
import { ConnectionGate, DEFAULT_CONNECTION_LIMITS, LIFTED_CONNECTION_LIMITS, type ConnectionLimits } from "./connection-limits";
import { loadEnv } from "./env";
import { resolveRateLimits } from "./rate-limit";

function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } } as unknown as IncomingMessage;
}

function gate(overrides: Partial<ConnectionLimits> = {}, trust: TrustProxy = 0): ConnectionGate {
  const limits = resolveRateLimits({ connections: overrides }).connections;
  return new ConnectionGate({ limiter: new AddressLimiter(limits, { kind: "memory" }), trust: compileTrust(trust), trustsNoProxy: trust === 0, log: () => undefined });
}

/** Handshakes from `address` that got through (admitted, or let through to be told why) and those refused outright. */
async function handshakes(g: ConnectionGate, address: string, n: number): Promise<{ through: number; refusals: ConnectRefusal[] }> {
  let through = 0;
  const refusals: ConnectRefusal[] = [];
  for (let i = 0; i < n; i++) {
    const refused = await g.check(request(address));
    if (refused === null) through++;
    else refusals.push(connectRefusalOf({ data: JSON.parse(refused) as unknown })!);
  }
  return { through, refusals };
}

describe("ConnectionGate (memory store, fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    vi.setSystemTime(5_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it("lets `connect.points` through per window, explains a few refusals, refuses the rest before the upgrade", async () => {
    const g = gate({ connect: { points: 20, windowMs: 60_000 }, explain: { points: 2, windowMs: 15_000 } });
    expect(await handshakes(g, "198.51.100.7", 20)).toEqual({ through: 20, refusals: [] });
    const over = await handshakes(g, "198.51.100.7", 10);
    expect(over.through).toBe(2); // let through to be told why in the Socket.IO handshake
    expect(over.refusals).toHaveLength(8);
    expect(over.refusals[0]).toMatchObject({ code: "rate_limited", details: { reason: "new", retryAfterMs: 60_000 } });
    expect(over.refusals[0]!.message).toBe("Too many new connections from your network: try again in 60 s.");
    expect((await handshakes(g, "198.51.100.8", 1)).through).toBe(1); // other addresses are not affected
    vi.advanceTimersByTime(60_000);
    expect((await handshakes(g, "198.51.100.7", 20)).through).toBe(20);
  });

  it("with the defaults, never bothers a page reloaded a few times or a room of 8 behind one NAT", async () => {
    const g = gate();
    const nat = "203.0.113.50";
    expect((await handshakes(g, nat, 8)).refusals).toEqual([]); // 8 players join at once
    for (let reload = 0; reload < 3; reload++) {
      vi.advanceTimersByTime(3_000);
      expect((await handshakes(g, nat, 8)).refusals).toEqual([]); // each reloads
    }
    vi.advanceTimersByTime(10_000);
    expect((await handshakes(g, nat, 8)).refusals).toEqual([]); // a server restart: everyone reconnects
  });

  it("an address paused after abuse is refused with the time left, then let back", async () => {
    const g = gate({ abuseCooldownMs: 60_000, explain: { points: 1, windowMs: 60_000 } });
    g.penalize(request("192.0.2.66"));
    await vi.advanceTimersByTimeAsync(1_000);
    const { refusals } = await handshakes(g, "192.0.2.66", 2);
    expect(refusals[0]).toMatchObject({ code: "abuse", details: { reason: "abuse", retryAfterMs: 59_000 } });
    expect(refusals[0]!.message).toContain("refused for 59 s");
    expect((await handshakes(g, "192.0.2.67", 1)).through).toBe(1);
    vi.advanceTimersByTime(59_000);
    expect((await handshakes(g, "192.0.2.66", 1)).through).toBe(1);
  });

  it("lifted limits let a whole fuzzer through from one address", async () => {
    const g = gate(LIFTED_CONNECTION_LIMITS);
    expect((await handshakes(g, "127.0.0.1", 5_000)).through).toBe(5_000);
    g.penalize(request("127.0.0.1"));
    expect((await handshakes(g, "127.0.0.1", 1)).through).toBe(1);
  });

  it("a refusal the server sends is one the client reads back (and only that)", async () => {
    const g = gate({ connect: { points: 1, windowMs: 2_000 }, explain: { points: 1, windowMs: 60_000 } });
    const [refusal] = (await handshakes(g, "k", 3)).refusals;
    const err = Object.assign(new Error(refusal!.message), { data: JSON.parse(JSON.stringify(refusal)) as unknown });
    expect(connectRefusalOf(err)).toEqual(refusal);
    expect(reconnectAfterRefusalMs(refusal!, () => 0)).toBe(2000);
    expect(reconnectAfterRefusalMs({ ...refusal!, details: { reason: "new", retryAfterMs: 10 } }, () => 0.5)).toBe(1500); // at least a second
    expect(connectRefusalOf(new Error("websocket error"))).toBeNull();
    expect(connectRefusalOf({ data: { code: "kicked", message: "x", details: { reason: "new", retryAfterMs: 1 } } })).toBeNull();
    expect(connectRefusalOf({ data: { code: "abuse", message: "x", details: { reason: "abuse", retryAfterMs: -1 } } })).toBeNull();
    expect(connectRefusalOf(null)).toBeNull();
    // an absurd wait is cut to ten minutes
    expect(connectRefusalOf({ data: { code: "abuse", message: "x", details: { reason: "abuse", retryAfterMs: 1e12 } } })?.details.retryAfterMs).toBe(600_000);
  });
});

describe("client addresses (proxy-addr, ipaddr.js)", () => {
  const hops = (n: number) => compileTrust(n);

  it("uses the socket's address and ignores X-Forwarded-For unless proxies are trusted", () => {
    expect(clientAddress(request("192.0.2.10", "1.2.3.4"), hops(0))).toBe("192.0.2.10");
    expect(clientAddress(request(undefined), hops(0))).toBe("unknown");
  });

  it("reads X-Forwarded-For from the right, one entry per trusted proxy", () => {
    // the client wrote "6.6.6.6"; nginx appended the address it saw
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 198.51.100.23"), hops(1))).toBe("198.51.100.23");
    // a CDN then nginx: two trusted hops
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 198.51.100.23, 203.0.113.9"), hops(2))).toBe("198.51.100.23");
    // fewer entries than hops: the furthest one there is
    expect(clientAddress(request("10.0.0.2", "198.51.100.23"), hops(3))).toBe("198.51.100.23");
    // repeated headers (Node joins them with ", "), ports, brackets
    expect(clientAddress(request("10.0.0.2", "6.6.6.6, 198.51.100.23:5123"), hops(1))).toBe("198.51.100.23");
    expect(clientAddress(request("10.0.0.2", "[2001:db8::1]:443"), hops(1))).toBe("2001:db8::1");
    // a malformed trusted entry stops the walk at the last good address
    expect(clientAddress(request("10.0.0.2", "198.51.100.23, nonsense"), hops(2))).toBe("10.0.0.2");
    expect(clientAddress(request("10.0.0.2", "<script>, 198.51.100.23"), hops(2))).toBe("198.51.100.23");
    expect(clientAddress(request("10.0.0.2", "127.1"), hops(1))).toBe("10.0.0.2"); // no shorthand forms
    expect(clientAddress(request("10.0.0.2", ""), hops(1))).toBe("10.0.0.2");
    expect(clientAddress(request("10.0.0.2"), hops(1))).toBe("10.0.0.2");
  });

  it("trusts proxies by address or range: only entries a trusted proxy added count", () => {
    const trust = compileTrust(["loopback", "10.0.0.0/8"]);
    expect(clientAddress(request("10.1.2.3", "6.6.6.6, 198.51.100.23"), trust)).toBe("198.51.100.23");
    // through two trusted proxies
    expect(clientAddress(request("127.0.0.1", "6.6.6.6, 198.51.100.23, 10.9.9.9"), trust)).toBe("198.51.100.23");
    // straight from the internet: its X-Forwarded-For is its own invention
    expect(clientAddress(request("203.0.113.5", "198.51.100.23"), trust)).toBe("203.0.113.5");
    expect(() => compileTrust(["10.0.0.0/99"])).toThrow();
    expect(() => compileTrust(-1)).toThrow(RangeError);
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

describe("configuration", () => {
  const env = (vars: Record<string, string>) => loadEnv(vars as NodeJS.ProcessEnv);

  it("reads TRUST_PROXY: a number of proxies (true is one), or their addresses and ranges", () => {
    expect(env({}).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: " " }).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(env({ TRUST_PROXY: "FALSE" }).TRUST_PROXY).toBe(0);
    expect(env({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(env({ TRUST_PROXY: "loopback, 10.0.0.0/8 ,2001:db8::/32" }).TRUST_PROXY).toEqual(["loopback", "10.0.0.0/8", "2001:db8::/32"]);
    expect(() => env({ TRUST_PROXY: "yes" })).toThrow(/TRUST_PROXY/);
    expect(() => env({ TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY/);
    expect(() => env({ TRUST_PROXY: "11" })).toThrow(/TRUST_PROXY: .*at most 10 proxies, got: 11/);
    expect(() => env({ TRUST_PROXY: "10.0.0.0/33" })).toThrow(/TRUST_PROXY/);
  });

  it("reads IP_CONNECTION_LIMITS and ROOM_IDLE_SECONDS", () => {
    expect(env({}).IP_CONNECTION_LIMITS).toBe("on");
    expect(env({ IP_CONNECTION_LIMITS: "off" }).IP_CONNECTION_LIMITS).toBe("off");
    expect(() => env({ IP_CONNECTION_LIMITS: "false" })).toThrow(/IP_CONNECTION_LIMITS/);
    expect(env({}).ROOM_IDLE_SECONDS).toBe(60);
    expect(env({ ROOM_IDLE_SECONDS: "0" }).ROOM_IDLE_SECONDS).toBe(0);
    expect(() => env({ ROOM_IDLE_SECONDS: "-5" })).toThrow(/ROOM_IDLE_SECONDS/);
  });

  it("merges per-address overrides onto the defaults and rejects nonsense", () => {
    expect(resolveRateLimits({ connections: { maxOpen: 5 } }).connections).toEqual({ ...DEFAULT_CONNECTION_LIMITS, maxOpen: 5 });
    expect(() => resolveRateLimits({ connections: { connect: { points: 0, windowMs: 60_000 } } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ connections: { lookup: { points: 10, windowMs: Number.NaN } } })).toThrow(RangeError);
    expect(() => resolveRateLimits({ connections: { maxOpen: 0 } })).toThrow(/maxOpen must be ≥ 1/);
    expect(() => resolveRateLimits({ connections: { abuseCooldownMs: -1 } })).toThrow(RangeError);
  });
});
