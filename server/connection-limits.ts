/**
 * Per-address connection limits, checked at the Socket.IO handshake: the
 * per-socket budgets of server/rate-limit.ts start afresh with every new
 * connection, so an address also gets a budget of new connections, a cap on
 * connections open at once, and a pause after one of its sockets was
 * disconnected for abuse. The budgets and the pause are counted by
 * server/address-limits.ts (shared by every server with REDIS_URL); the open
 * connections by the server holding them.
 *
 * A refusal has to reach the page to be shown, but a browser sees nothing of a
 * refused WebSocket upgrade but "error". So the first refusals of an address
 * (a small budget of them) are let through the upgrade and answered in the
 * Socket.IO handshake with a `connect_error` carrying a ConnectRefusal
 * (core/connect-refusal.ts), then closed; past that budget an address is
 * refused before the upgrade (HTTP 400, the same ConnectRefusal as JSON), which
 * costs the server next to nothing.
 */
import type { IncomingMessage } from "node:http";
import type { Server } from "socket.io";
import type { ConnectRefusal } from "../core/connect-refusal";
import type { ClientToServerEvents, ServerToClientEvents } from "../core/protocol";
import {
  DEFAULT_ADDRESS_LIMITS,
  LIFTED_ADDRESS_LIMITS,
  validateAddressLimits,
  type AddressLimiter,
  type AddressLimits,
} from "./address-limits";
import { clientKey, type TrustFn } from "./client-address";

/** Every per-address limit (connections, rooms, look-ups, joins, recordings): server/address-limits.ts */
export type ConnectionLimits = AddressLimits;
export const DEFAULT_CONNECTION_LIMITS = DEFAULT_ADDRESS_LIMITS;
export const LIFTED_CONNECTION_LIMITS: Partial<ConnectionLimits> = LIFTED_ADDRESS_LIMITS;
export const validateConnectionLimits = validateAddressLimits;

/** Nothing says when an open connection will close: retry at the clients' reconnect ceiling (app/lib/session.ts). */
const OPEN_CAP_RETRY_MS = 5_000;
/** A refused page that never sends its Socket.IO handshake is closed after this long. */
const EXPLAIN_GRACE_MS = 3_000;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export interface ConnectionGateOptions {
  limiter: AddressLimiter;
  /** which peers are proxies whose X-Forwarded-For is believed (TRUST_PROXY) */
  trust: TrustFn;
  /** no proxy is trusted: warn once when a handshake carries X-Forwarded-For anyway */
  trustsNoProxy: boolean;
  log: (msg: string) => void;
}

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
  /** connections open per address key on this server (an entry goes when its count reaches 0) */
  private readonly open = new Map<string, number>();
  private readonly handshakes = new WeakMap<IncomingMessage, Handshake>();
  private warnedForwardedFor = false;

  constructor(private readonly opts: ConnectionGateOptions) {}

  /** the per-address budgets (also spent by the HTTP API and joins) */
  get limiter(): AddressLimiter {
    return this.opts.limiter;
  }

  private get limits(): AddressLimits {
    return this.opts.limiter.limits;
  }

  /** The address key a request is counted under (the one its handshake was counted under). */
  keyOf(req: IncomingMessage): string {
    const known = this.handshakes.get(req)?.key;
    if (known !== undefined) return known;
    if (this.opts.trustsNoProxy && !this.warnedForwardedFor && req.headers["x-forwarded-for"] !== undefined) {
      this.warnedForwardedFor = true;
      this.opts.log(
        "a request came with X-Forwarded-For but TRUST_PROXY is not set: per-address limits count the proxy's address " +
          "for every client behind it (set TRUST_PROXY to the proxies in front, see docs/deploy.md)",
      );
    }
    return clientKey(req, this.opts.trust);
  }

  openCount(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /** addresses with connections open here */
  get tracked(): number {
    return this.open.size;
  }

  /** Why `key` may not open a connection now, or null (then one point of its connect budget is spent). */
  private async refusalFor(key: string): Promise<ConnectRefusal | null> {
    const pausedMs = await this.opts.limiter.pausedFor(key);
    if (pausedMs > 0) {
      return {
        code: "abuse",
        message: `A connection from your network was cut off for abuse, so new ones are refused for ${seconds(pausedMs)} s.`,
        details: { reason: "abuse", retryAfterMs: pausedMs },
      };
    }
    if (this.openCount(key) >= this.limits.maxOpen) {
      return {
        code: "rate_limited",
        message: `Too many open connections from your network (at most ${this.limits.maxOpen}). Close some tabs, or try again in a moment.`,
        details: { reason: "open", retryAfterMs: OPEN_CAP_RETRY_MS },
      };
    }
    const verdict = await this.opts.limiter.take("connect", key);
    if (verdict.ok) return null;
    return {
      code: "rate_limited",
      message: `Too many new connections from your network: try again in ${seconds(verdict.retryAfterMs)} s.`,
      details: { reason: "new", retryAfterMs: verdict.retryAfterMs },
    };
  }

  /**
   * For `allowRequest`: null lets the handshake through (admitted, or to be told why
   * not in the Socket.IO handshake); a string refuses it before the WebSocket upgrade.
   */
  async check(req: IncomingMessage): Promise<string | null> {
    const key = this.keyOf(req);
    const refusal = await this.refusalFor(key);
    if (!refusal || (await this.opts.limiter.take("explain", key)).ok) {
      this.handshakes.set(req, { key, refusal });
      return null;
    }
    return JSON.stringify(refusal);
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
      this.open.set(h.key, this.openCount(h.key) + 1);
      conn.once("close", () => {
        const n = this.openCount(h.key) - 1;
        if (n > 0) this.open.set(h.key, n);
        else this.open.delete(h.key);
      });
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
    const cooldownMs = this.limits.abuseCooldownMs;
    if (cooldownMs <= 0) return;
    const key = this.keyOf(req);
    void this.opts.limiter.pause(key);
    this.opts.log(`connections from ${key} refused for ${seconds(cooldownMs)} s (abuse)`);
  }
}
