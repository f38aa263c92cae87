/**
 * Who is asking: the client address every per-address limit counts
 * (server/address-limits.ts), from the socket or — behind trusted proxies —
 * from X-Forwarded-For (parsed by `proxy-addr`), and the key it is counted
 * under (`ipaddr.js`: IPv4 as is, IPv6 by its /64).
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

/**
 * TRUST_PROXY: how many proxies stand in front (X-Forwarded-For entries read
 * from the right), or which peers are proxies — addresses, CIDR ranges, and
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. 0 or []: none;
 * X-Forwarded-For is ignored.
 */
export type TrustProxy = number | readonly string[];

/** Whether the address at position `hop` of the chain (0: the socket's peer) is a proxy we believe. */
export type TrustFn = (address: string, hop: number) => boolean;

/** Compiles TRUST_PROXY; throws (TypeError or RangeError, naming the value) on a bad address or range. */
export function compileTrust(trust: TrustProxy): TrustFn {
  if (typeof trust === "number") {
    if (!Number.isInteger(trust) || trust < 0) throw new RangeError(`TRUST_PROXY hops must be a whole number ≥ 0, got: ${trust}`);
    return (_address, hop) => hop < trust;
  }
  if (trust.length === 0) return () => false;
  return proxyaddr.compile([...trust]);
}

export const trustsNoProxy = (trust: TrustProxy): boolean => (typeof trust === "number" ? trust === 0 : trust.length === 0);

/** "1.2.3.4:5678" and "[v6]:port" (some proxies add the port) → the bare address; null unless it is an IP address. */
function bareAddress(entry: string | undefined): string | null {
  if (!entry) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  const bare = bracketed?.[1] ?? v4WithPort?.[1] ?? entry;
  // node:net is strict (no "127.1" or "0x7f.0.0.1" shorthands, which ipaddr.js also parses)
  return isIP(bare.split("%")[0]!) ? bare : null;
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted
 * proxy, the address the trusted proxies vouch for in X-Forwarded-For (each
 * appends the address it saw, so entries left of the trusted ones may be
 * anything the client sent). A malformed entry in the trusted part stops the
 * walk at the last good address before it.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  const socketAddress = req.socket?.remoteAddress;
  if (!socketAddress) return "unknown";
  const chain = proxyaddr.all(req, trust); // [socket peer, nearest proxy's entry, …, client]
  let address = socketAddress;
  for (let i = 1; i < chain.length; i++) {
    const next = bareAddress(chain[i]!.trim());
    if (!next) break;
    address = next;
  }
  return address;
}

/**
 * The key an address is limited under: IPv4 as it is (IPv4-mapped IPv6 too),
 * IPv6 by its /64 — a subscriber usually gets a whole /64, so limits on single
 * IPv6 addresses would be dodged by counting up the last bits.
 */
export function addressKey(address: string): string {
  const a = address.split("%")[0]!;
  if (!isIP(a)) return address.slice(0, 64);
  let ip = ipaddr.parse(a);
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  if (ip instanceof ipaddr.IPv4) return ip.toString();
  return `${ip.parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(":")}::/64`;
}

/** The key of a request's client (what every per-address limit counts). */
export function clientKey(req: IncomingMessage, trust: TrustFn): string {
  return addressKey(clientAddress(req, trust));
}
