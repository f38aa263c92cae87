/**
 * Room leases in Redis (REDIS_URL): the RoomOwnership of several server processes
 * (server/ownership.ts has the contract, server/lease-timing.ts the timing rules).
 *
 * - `bb:room:<code>:owner` = the holder's serverId, with a TTL of ROOM_LEASE_MS (5 s). Taken,
 *   renewed and released by three small Lua scripts, so only the holder can renew or delete
 *   it and no read-then-write race exists between servers.
 * - The holder renews every lease it holds every third of the TTL. A renewal that finds the
 *   key gone or someone else's — or that could not confirm the lease before it ran out —
 *   means the room is no longer ours: `onLost`.
 * - A process that finds another holder publishes a handover request on that holder's channel
 *   (`bb:owner-handover:<serverId>`) and tells its caller to retry soon. A live holder flushes,
 *   closes the room's connections and releases; a dead one's key simply expires.
 *
 * Normally routing (nginx's consistent hash) sends a room's connections to one server, so
 * none of this is busy: a lease is taken once when the room loads and renewed quietly. Handover
 * happens when routing changes (a server died, or came back).
 */
import type { AcquireResult, RoomOwnership } from "./ownership";
import { leaseTiming, passOnHandoverRequest, retryAfterMs, validUntil, type LeaseTiming } from "./lease-timing";

/** The few commands used, as node-redis (v4+) spells them; a connected client satisfies it. */
export interface LeaseRedis {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
}
/** A client in subscriber mode (node-redis: `client.duplicate()`, connected). */
export interface LeaseSubscriber {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

/** KEYS: owner key. ARGV: serverId, lease ms. {1} taken or already ours (TTL reset); {0, holder, holder's PTTL} otherwise. */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return {1}
end
return {0, cur, redis.call('PTTL', KEYS[1])}
`;
/** KEYS: owner key. ARGV: serverId, lease ms. 1: renewed; 0: not ours any more. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
`;
/** KEYS: owner key. ARGV: serverId. Deletes the key only when it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisOwnershipOptions {
  /** the key TTL; DEFAULT_LEASE_MS (5 s) unless ROOM_LEASE_MS says otherwise */
  leaseMs?: number;
  /** key and channel prefix ("bb"); tests sharing a Redis may take their own */
  prefix?: string;
  /** a monotonic clock in ms (validity is judged on it) */
  now?: () => number;
  log?: (msg: string, err?: unknown) => void;
}

export class RedisOwnership implements RoomOwnership {
  readonly timing: LeaseTiming;
  /** rooms whose lease we hold → until when it is surely ours */
  private readonly held = new Map<string, number>();
  /** when a handover request for a room was last passed on to the room service */
  private readonly handoverPassedOn = new Map<string, number>();
  private readonly lostListeners: ((code: string) => void)[] = [];
  private readonly handoverListeners: ((code: string) => void)[] = [];
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly log: (msg: string, err?: unknown) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewing = false;
  private closed = false;

  constructor(
    readonly serverId: string,
    private readonly redis: LeaseRedis,
    private readonly subscriber: LeaseSubscriber,
    opts: RedisOwnershipOptions = {},
  ) {
    this.timing = leaseTiming(opts.leaseMs);
    this.prefix = opts.prefix ?? "bb";
    this.now = opts.now ?? (() => performance.now());
    this.log = opts.log ?? (() => undefined);
  }

  /** Listens for handover requests and starts renewing. Call once, before the first acquire. */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channelOf(this.serverId), (code) => this.handoverRequested(code));
    this.timer = setInterval(() => void this.renewAll(), this.timing.renewEveryMs);
    this.timer.unref?.();
  }

  /** the rooms whose lease this process holds (diagnostics, tests) */
  heldRooms(): string[] {
    return [...this.held.keys()];
  }

  holds(code: string): boolean {
    return this.held.has(code);
  }

  async acquire(code: string): Promise<AcquireResult> {
    if (this.closed) return { ok: false, retryAfterMs: this.timing.leaseMs };
    const sentAt = this.now();
    let reply: unknown;
    try {
      reply = await this.redis.eval(ACQUIRE, { keys: [this.keyOf(code)], arguments: [this.serverId, String(this.timing.leaseMs)] });
    } catch (err) {
      // Without Redis nobody can know who owns the room: nobody takes it; clients retry.
      this.log(`room ${code}: lease not taken (Redis)`, err);
      return { ok: false, retryAfterMs: 1_000 };
    }
    const [taken, holder, ttl] = reply as [number, string?, number?];
    if (taken === 1) {
      this.held.set(code, validUntil(this.timing, sentAt));
      return { ok: true };
    }
    // Ask the holder to hand the room over; if it is dead, nobody hears this and its lease runs out.
    this.redis.publish(this.channelOf(holder!), code).catch((err: unknown) => this.log(`room ${code}: handover request not sent`, err));
    return { ok: false, retryAfterMs: retryAfterMs(Number(ttl)) };
  }

  async release(code: string): Promise<void> {
    this.held.delete(code);
    this.handoverPassedOn.delete(code);
    try {
      await this.redis.eval(RELEASE, { keys: [this.keyOf(code)], arguments: [this.serverId] });
    } catch (err) {
      // Not fatal: the key expires within a lease and the next owner waits that long at most.
      this.log(`room ${code}: lease not released (Redis); it expires on its own`, err);
    }
  }

  onLost(cb: (code: string) => void): void {
    this.lostListeners.push(cb);
  }

  onHandoverRequested(cb: (code: string) => void): void {
    this.handoverListeners.push(cb);
  }

  /** Stops renewing and releases every lease still held (a graceful stop has flushed its rooms by now). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.held.keys()].map((code) => this.release(code)));
    await this.subscriber.unsubscribe(this.channelOf(this.serverId)).catch(() => undefined);
  }

  /** One renewal round over every held lease (the timer's work; tests may call it directly). */
  async renewAll(): Promise<void> {
    if (this.renewing || this.closed) return; // a slow round is not overlapped by the next
    this.renewing = true;
    try {
      await Promise.all([...this.held.keys()].map((code) => this.renew(code)));
    } finally {
      this.renewing = false;
    }
  }

  private async renew(code: string): Promise<void> {
    const sentAt = this.now();
    // A stalled event loop may have let the lease run out already: then it is not ours to renew.
    if (sentAt >= (this.held.get(code) ?? -Infinity)) return this.lose(code, "lease ran out before it was renewed");
    let renewed: unknown;
    try {
      renewed = await this.redis.eval(RENEW, { keys: [this.keyOf(code)], arguments: [this.serverId, String(this.timing.leaseMs)] });
    } catch (err) {
      // Keep the room while the lease surely lasts; the next rounds try again.
      if (this.now() >= (this.held.get(code) ?? -Infinity)) this.lose(code, "lease could not be renewed (Redis)", err);
      return;
    }
    if (!this.held.has(code)) return; // released meanwhile
    if (Number(renewed) === 1) this.held.set(code, validUntil(this.timing, sentAt));
    else this.lose(code, "lease taken by another server or expired");
  }

  private lose(code: string, why: string, err?: unknown): void {
    if (!this.held.delete(code)) return;
    this.handoverPassedOn.delete(code);
    this.log(`room ${code}: ${why}; dropping it`, err);
    for (const cb of this.lostListeners) cb(code);
  }

  private handoverRequested(code: string): void {
    if (this.closed) return;
    if (!this.held.has(code)) {
      // Not loaded here (its key outlived a failed release): just let it go.
      void this.release(code);
      return;
    }
    const now = this.now();
    if (!passOnHandoverRequest(this.timing, this.handoverPassedOn.get(code), now)) return;
    this.handoverPassedOn.set(code, now);
    for (const cb of this.handoverListeners) cb(code);
  }

  private keyOf(code: string): string {
    return `${this.prefix}:room:${code}:owner`;
  }

  private channelOf(serverId: string): string {
    return `${this.prefix}:owner-handover:${serverId}`;
  }
}
