/**
 * Per-address connection limits, checked at the Socket.IO handshake: the
 * per-socket budgets of server/rate-limit.ts start afresh with every new
 * connection, so an address also gets a budget of new connections (a token
 * bucket), a cap on connections open at once, and a pause after one of its
 * sockets was disconnected for abuse.
 *
 * A refusal has to reach the page to be shown, but a browser sees nothing of a
 * refused WebSocket upgrade but "error". So the first refusals of an address
 * (a small bucket of them) are let through the upgrade and answered in the
 * Socket.IO handshake with a `connect_error` carrying a ConnectRefusal
 * (core/connect-refusal.ts), then closed; past that budget an address is
 * refused before the upgrade (HTTP 400, the same ConnectRefusal as JSON), which
 * costs the server next to nothing.
 *
 * Memory stays bounded: an address is forgotten once it has nothing left to
 * remember (no open connection, no pause, full buckets), and past `maxTracked`
 * addresses the least recently seen idle ones are evicted.
 */
import type { IncomingMessage } from "node:http";
import { isIP, isIPv4, isIPv6 } from "node:net";
import type { Server } from "socket.io";
import type { ConnectRefusal } from "../core/connect-refusal";
import type { ClientToServerEvents, ServerToClientEvents } from "../core/protocol";
import { TokenBucket } from "../core/token-bucket";

export interface ConnectionLimits {
  /** new connections an address may open at once (the bucket's size) */
  burst: number;
  /** new connections per second an address gains back (the refill rate) */
  perSecond: number;
  /** connections one address may have open at once */
  maxOpen: number;
  /** after one of its sockets is disconnected for abuse, the address may not connect for this long (0: no pause) */
  abuseCooldownMs: number;
  /**
   * Refusals explained in the Socket.IO handshake (a `connect_error` a page can show),
   * per address: a bucket of `explainBurst` refilling `explainPerSecond`. The others are
   * refused before the WebSocket upgrade.
   */
  explainBurst: number;
  explainPerSecond: number;
  /** addresses remembered at most; the least recently seen idle ones are evicted first */
  maxTracked: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  // A room (8 players) and its spectators behind one NAT reconnecting together after a
  // rolling restart fit in the burst; a person reloading a page never sustains 1 a second.
  burst: 30,
  perSecond: 1,
  // A full room of players plus a few dozen spectators behind one NAT (a school, an office).
  maxOpen: 50,
  abuseCooldownMs: 60_000,
  // An honest page retries every few seconds (app/lib/session.ts), so it is nearly always told why.
  explainBurst: 3,
  explainPerSecond: 0.2,
  // ~300 bytes each: a few MB at most.
  maxTracked: 20_000,
};

/**
 * No per-address limits in practice: for load tests and fuzzers whose many clients all
 * come from 127.0.0.1 (standing for many machines), and for IP_CONNECTION_LIMITS=off.
 */
export const LIFTED_CONNECTION_LIMITS: Partial<ConnectionLimits> = {
  burst: 1e9,
  perSecond: 1e9,
  maxOpen: 1e9,
  abuseCooldownMs: 0,
};

export function validateConnectionLimits(l: ConnectionLimits): void {
  const finite = (x: number) => Number.isFinite(x);
  if (!(l.burst >= 1) || !finite(l.burst) || !(l.perSecond >= 0) || !finite(l.perSecond)) {
    throw new RangeError(`connection limit needs burst ≥ 1 and perSecond ≥ 0 (finite), got burst ${l.burst}, perSecond ${l.perSecond}`);
  }
  if (!(l.maxOpen >= 1) || !finite(l.maxOpen)) throw new RangeError(`connections.maxOpen must be ≥ 1 (finite), got ${l.maxOpen}`);
  if (!(l.abuseCooldownMs >= 0) || !finite(l.abuseCooldownMs)) throw new RangeError(`connections.abuseCooldownMs must be ≥ 0 (finite), got ${l.abuseCooldownMs}`);
  if (!(l.explainBurst >= 1) || !finite(l.explainBurst) || !(l.explainPerSecond >= 0) || !finite(l.explainPerSecond)) {
    throw new RangeError(`connections.explainBurst must be ≥ 1 and explainPerSecond ≥ 0 (finite), got ${l.explainBurst}, ${l.explainPerSecond}`);
  }
  if (!(l.maxTracked >= 1) || !finite(l.maxTracked)) throw new RangeError(`connections.maxTracked must be ≥ 1 (finite), got ${l.maxTracked}`);
}

// ---------- client addresses ----------

/** "1.2.3.4:5678" and "[v6]:port" (some proxies add the port) → the bare address. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4WithPort ? v4WithPort[1]! : entry;
}

/**
 * The client's address: the socket's remote address, or — when `trustProxyHops`
 * proxies stand in front (TRUST_PROXY) — the address those proxies vouch for in
 * X-Forwarded-For, read from the right: the nearest proxy appends the address it
 * saw, so the entries left of the trusted ones may be anything the client sent.
 * A malformed trusted entry stops the walk at the last good address.
 */
export function clientAddress(req: IncomingMessage, trustProxyHops: number): string {
  let address = req.socket.remoteAddress ?? "unknown";
  if (trustProxyHops <= 0) return address;
  const header = req.headers["x-forwarded-for"];
  if (header === undefined) return address;
  const entries = (Array.isArray(header) ? header.join(",") : header).split(",");
  for (let i = 0; i < trustProxyHops && i < entries.length; i++) {
    const candidate = stripPort(entries[entries.length - 1 - i]!.trim());
    if (!isIP(candidate)) break;
    address = candidate;
  }
  return address;
}

/** The eight 16-bit groups of a valid IPv6 address, as hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let s = address.toLowerCase();
  const v4Tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4Tail) {
    const [a, b, c, d] = v4Tail.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = s.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/**
 * The key an address is limited under: IPv4 as it is (IPv4-mapped IPv6 too),
 * IPv6 by its /64 — a subscriber usually gets a whole /64, so limits on single
 * IPv6 addresses would be dodged by counting up the last bits.
 */
export function addressKey(address: string): string {
  const zone = address.indexOf("%");
  const a = zone >= 0 ? address.slice(0, zone) : address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped) return mapped[1]!;
  if (isIPv4(a) || !isIPv6(a)) return a.slice(0, 64);
  return `${ipv6Groups(a).slice(0, 4).join(":")}::/64`;
}

// ---------- the limiter (pure: the clock is passed in) ----------

/** Idle addresses are forgotten this often (lazily, on a handshake). */
const SWEEP_INTERVAL_MS = 10_000;
/** Past maxTracked, at most this many entries are looked at per new address, so a full map of busy addresses costs O(1). */
const EVICT_SCAN_MAX = 64;
/** Nothing says when an open connection will close: retry at the clients' reconnect ceiling (app/lib/session.ts). */
const OPEN_CAP_RETRY_MS = 5_000;

interface Entry {
  newConnections: TokenBucket;
  open: number;
  pausedUntilMs: number;
  explanations: TokenBucket;
}

export type Admission = { ok: true } | { ok: false; refusal: ConnectRefusal; explain: boolean };
const ADMITTED: Admission = Object.freeze({ ok: true });

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class IpConnectionLimiter {
  /** in least-recently-seen order (an entry is moved to the end when seen) */
  private readonly entries = new Map<string, Entry>();
  private nextSweepMs: number;

  constructor(
    private readonly limits: ConnectionLimits,
    nowMs: number,
  ) {
    this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
  }

  /** addresses currently remembered */
  get tracked(): number {
    return this.entries.size;
  }

  openCount(key: string): number {
    return this.entries.get(key)?.open ?? 0;
  }

  /** A handshake from `key`: spends a new-connection token when admitted (then call `opened` once it is open). */
  admit(key: string, nowMs: number): Admission {
    if (nowMs >= this.nextSweepMs) this.sweep(nowMs);
    const e = this.touch(key, nowMs);
    let refusal: ConnectRefusal | null = null;
    if (nowMs < e.pausedUntilMs) {
      const retryAfterMs = Math.ceil(e.pausedUntilMs - nowMs);
      refusal = {
        code: "abuse",
        message: `A connection from your network was cut off for abuse, so new ones are refused for ${seconds(retryAfterMs)} s.`,
        details: { reason: "abuse", retryAfterMs },
      };
    } else if (e.open >= this.limits.maxOpen) {
      refusal = {
        code: "rate_limited",
        message: `Too many open connections from your network (at most ${this.limits.maxOpen}). Close some tabs, or try again in a moment.`,
        details: { reason: "open", retryAfterMs: OPEN_CAP_RETRY_MS },
      };
    } else if (!e.newConnections.take(1, nowMs)) {
      const retryAfterMs = Math.ceil(e.newConnections.msUntil(1, nowMs));
      refusal = {
        code: "rate_limited",
        message: `Too many new connections from your network: try again in ${seconds(retryAfterMs)} s.`,
        details: { reason: "new", retryAfterMs },
      };
    }
    if (!refusal) return ADMITTED;
    return { ok: false, refusal, explain: e.explanations.take(1, nowMs) };
  }

  /** An admitted connection is open. */
  opened(key: string, nowMs: number): void {
    (this.entries.get(key) ?? this.touch(key, nowMs)).open++;
  }

  /** An admitted connection closed. */
  closed(key: string): void {
    const e = this.entries.get(key);
    if (e && e.open > 0) e.open--;
  }

  /** One of the address's sockets was disconnected for abuse: refuse it for abuseCooldownMs. */
  pause(key: string, nowMs: number): void {
    const e = this.touch(key, nowMs);
    e.pausedUntilMs = Math.max(e.pausedUntilMs, nowMs + this.limits.abuseCooldownMs);
  }

  private touch(key: string, nowMs: number): Entry {
    let e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
      return e;
    }
    const l = this.limits;
    e = {
      newConnections: new TokenBucket(l.burst, l.perSecond, nowMs),
      open: 0,
      pausedUntilMs: Number.NEGATIVE_INFINITY,
      explanations: new TokenBucket(l.explainBurst, l.explainPerSecond, nowMs),
    };
    this.entries.set(key, e);
    if (this.entries.size > l.maxTracked) this.evictIdle(key);
    return e;
  }

  /**
   * Over maxTracked: drops the least recently seen entries with no open connection.
   * (Entries with open connections stay: they are bounded by the open sockets themselves.)
   */
  private evictIdle(keep: string): void {
    let scanned = 0;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.limits.maxTracked || scanned++ >= EVICT_SCAN_MAX) break;
      if (e.open === 0 && key !== keep) this.entries.delete(key);
    }
  }

  /** Forgets the addresses with nothing left to remember: forgetting them changes no answer. */
  private sweep(nowMs: number): void {
    this.nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    const l = this.limits;
    for (const [key, e] of this.entries) {
      if (
        e.open === 0 &&
        nowMs >= e.pausedUntilMs &&
        e.newConnections.available(nowMs) >= l.burst &&
        e.explanations.available(nowMs) >= l.explainBurst
      ) {
        this.entries.delete(key);
      }
    }
  }
}

// ---------- Socket.IO wiring ----------

export interface ConnectionGateOptions {
  limits: ConnectionLimits;
  /** proxies in front whose X-Forwarded-For entries are believed (TRUST_PROXY); 0: the socket's own address */
  trustProxyHops: number;
  /** monotonic ms */
  clock: () => number;
  log: (msg: string) => void;
}

/** A refused page that never sends its Socket.IO handshake is closed after this long. */
const EXPLAIN_GRACE_MS = 3_000;

interface Handshake {
  key: string;
  /** let through the upgrade only to be told this */
  refusal: ConnectRefusal | null;
}

/** The engine.io connection, as far as the gate uses it. */
interface EngineConnection {
  request: IncomingMessage;
  close(): void;
  once(event: "close", fn: () => void): unknown;
}

export class ConnectionGate {
  readonly limiter: IpConnectionLimiter;
  private readonly handshakes = new WeakMap<IncomingMessage, Handshake>();
  private warnedForwardedFor = false;

  constructor(private readonly opts: ConnectionGateOptions) {
    this.limiter = new IpConnectionLimiter(opts.limits, opts.clock());
  }

  private keyOf(req: IncomingMessage): string {
    if (this.opts.trustProxyHops === 0 && !this.warnedForwardedFor && req.headers["x-forwarded-for"] !== undefined) {
      this.warnedForwardedFor = true;
      this.opts.log(
        "a handshake came with X-Forwarded-For but TRUST_PROXY is not set: connection limits count the proxy's address " +
          "for every client behind it (set TRUST_PROXY to the number of proxies in front, see docs/deploy.md)",
      );
    }
    return addressKey(clientAddress(req, this.opts.trustProxyHops));
  }

  /**
   * For `allowRequest`: null lets the handshake through (admitted, or to be told why
   * not in the Socket.IO handshake); a string refuses it before the WebSocket upgrade.
   */
  check(req: IncomingMessage): string | null {
    const key = this.keyOf(req);
    const admission = this.limiter.admit(key, this.opts.clock());
    if (admission.ok) {
      this.handshakes.set(req, { key, refusal: null });
      return null;
    }
    if (admission.explain) {
      this.handshakes.set(req, { key, refusal: admission.refusal });
      return null;
    }
    return JSON.stringify(admission.refusal);
  }

  /** Counts open connections per address and answers the refusals let through with a `connect_error`. */
  attach(io: Server<ClientToServerEvents, ServerToClientEvents>): void {
    io.engine.on("connection", (conn: EngineConnection) => {
      const h = this.handshakes.get(conn.request);
      if (!h) return;
      if (h.refusal) {
        const timer = setTimeout(() => conn.close(), EXPLAIN_GRACE_MS);
        conn.once("close", () => clearTimeout(timer));
        return;
      }
      this.limiter.opened(h.key, this.opts.clock());
      conn.once("close", () => this.limiter.closed(h.key));
    });
    io.use((socket, next) => {
      const refusal = this.handshakes.get(socket.request)?.refusal;
      if (!refusal) return next();
      next(Object.assign(new Error(refusal.message), { data: refusal }));
      // The CONNECT_ERROR is queued on the next tick; engine.io sends what is queued before it closes.
      setImmediate(() => socket.conn.close());
    });
  }

  /** A socket of this request was disconnected for abuse: its address is refused for a while. */
  penalize(req: IncomingMessage): void {
    if (this.opts.limits.abuseCooldownMs <= 0) return;
    const key = this.handshakes.get(req)?.key ?? this.keyOf(req);
    this.limiter.pause(key, this.opts.clock());
    this.opts.log(`connections from ${key} refused for ${seconds(this.opts.limits.abuseCooldownMs)} s (abuse)`);
  }
}
