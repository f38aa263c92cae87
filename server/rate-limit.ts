/**
 * Per-socket rate limits: one token bucket per event class, plus an "abuse"
 * meter that counts dropped messages (over budget, invalid or unknown) and
 * tells the adapter to disconnect a socket that keeps sending them.
 *
 * Allocation-free per message: the buckets are created once per socket.
 */
import { TokenBucket } from "../core/token-bucket";
import { DEFAULT_CONNECTION_LIMITS, validateConnectionLimits, type ConnectionLimits } from "./connection-limits";

export interface BucketLimit {
  /** messages allowed at once (the bucket's size) */
  burst: number;
  /** sustained messages per second (the refill rate) */
  perSecond: number;
}

export interface RateLimits {
  /** `hit`: a drummer's fast roll is ~30 hits/s */
  hit: BucketLimit;
  /**
   * `hit` with `resend: true`: after every join a browser re-sends all its
   * unacknowledged hits at once (a reconnect after an outage can mean thousands).
   * They are stored, never relayed, and hits struck more than a minute ago are
   * refused anyway (LIMITS.strikeSkewMaxMs), so the burst is a minute of fast playing.
   */
  resend: BucketLimit;
  /** `sync:ping`: a burst on (re)connect, then two per second */
  sync: BucketLimit;
  /** every other event (join, quality, heard, react, tempo…, and unknown events) */
  other: BucketLimit;
  /**
   * Sustained abuse: a socket may drop up to `maxDropped` messages at once, and
   * `maxDropped` more per `windowMs` after that (a bucket of maxDropped refilling
   * maxDropped per window); one more and it gets `abuse` and is disconnected.
   */
  abuse: { maxDropped: number; windowMs: number };
  /** at most one `rate_limited` error per socket per this many ms */
  errorIntervalMs: number;
  /**
   * Error replies (`error` events for invalid, unknown or refused messages, and failed
   * acks of dropped ones): past this budget they are not sent, so junk cannot make the
   * server write as much as it reads.
   */
  replies: BucketLimit;
  /**
   * Per client address (server/address-limits.ts): new connections, connections open at
   * once and a pause after an `abuse` disconnect (checked at the handshake,
   * server/connection-limits.ts), room creation, look-ups, joins, misses, the recordings API.
   */
  connections: ConnectionLimits;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  hit: { burst: 60, perSecond: 40 },
  resend: { burst: 2_400, perSecond: 40 },
  sync: { burst: 30, perSecond: 10 },
  other: { burst: 20, perSecond: 5 },
  abuse: { maxDropped: 200, windowMs: 10_000 },
  errorIntervalMs: 1_000,
  replies: { burst: 20, perSecond: 10 },
  connections: DEFAULT_CONNECTION_LIMITS,
};

/** Overrides merged onto the defaults (per class), for tests and deployments. */
export type RateLimitOptions = { [K in keyof RateLimits]?: RateLimits[K] extends object ? Partial<RateLimits[K]> : RateLimits[K] };

export function resolveRateLimits(opts: RateLimitOptions | undefined): RateLimits {
  const d = DEFAULT_RATE_LIMITS;
  const limits: RateLimits = {
    hit: { ...d.hit, ...opts?.hit },
    resend: { ...d.resend, ...opts?.resend },
    sync: { ...d.sync, ...opts?.sync },
    other: { ...d.other, ...opts?.other },
    abuse: { ...d.abuse, ...opts?.abuse },
    errorIntervalMs: opts?.errorIntervalMs ?? d.errorIntervalMs,
    replies: { ...d.replies, ...opts?.replies },
    connections: { ...d.connections, ...opts?.connections },
  };
  for (const k of ["hit", "resend", "sync", "other", "replies"] as const) {
    const l = limits[k];
    if (!(l.burst >= 1) || !(l.perSecond >= 0) || !Number.isFinite(l.burst) || !Number.isFinite(l.perSecond)) {
      throw new RangeError(`rate limit "${k}" needs burst ≥ 1 and perSecond ≥ 0 (finite), got ${JSON.stringify(l)}`);
    }
  }
  if (!(limits.abuse.maxDropped >= 1) || !(limits.abuse.windowMs > 0) || !Number.isFinite(limits.abuse.maxDropped)) {
    throw new RangeError(`abuse limit needs maxDropped ≥ 1 and windowMs > 0, got ${JSON.stringify(limits.abuse)}`);
  }
  validateConnectionLimits(limits.connections);
  if (!(limits.errorIntervalMs >= 0)) throw new RangeError(`errorIntervalMs must be ≥ 0, got ${limits.errorIntervalMs}`);
  return limits;
}

/** Index of an event's budget: 0 hit, 1 sync:ping, 2 everything else, 3 re-sent hits. */
export type EventClass = 0 | 1 | 2 | 3;
export const EventClass = { Hit: 0, Sync: 1, Other: 2, Resend: 3 } as const;

/** The budget of an event (a hit's resend flag is checked by `hitClass`, on the raw payload). */
export function eventClass(event: string): EventClass {
  return event === "hit" ? EventClass.Hit : event === "sync:ping" ? EventClass.Sync : EventClass.Other;
}

/** A hit's budget, read from the raw (not yet validated) payload without allocating. */
export function hitClass(payload: unknown): EventClass {
  return typeof payload === "object" && payload !== null && (payload as { resend?: unknown }).resend === true ? EventClass.Resend : EventClass.Hit;
}

/**
 * What the adapter should do about a dropped message: 0 drop quietly (an error
 * was sent recently), 1 drop and tell the client (`rate_limited`), 2 sustained
 * abuse: send `abuse` and disconnect.
 */
export type DropVerdict = 0 | 1 | 2;
export const DropVerdict = { Quiet: 0, Notify: 1, Abuse: 2 } as const;

export class SocketRateLimiter {
  private readonly buckets: [TokenBucket, TokenBucket, TokenBucket, TokenBucket];
  private readonly dropMeter: TokenBucket;
  private readonly replies: TokenBucket;
  private lastNoticeMs = Number.NEGATIVE_INFINITY;
  /** set once abuse was detected: everything is dropped from then on */
  banned = false;
  dropped = 0;

  constructor(
    private readonly limits: RateLimits,
    nowMs: number,
  ) {
    this.buckets = [
      new TokenBucket(limits.hit.burst, limits.hit.perSecond, nowMs),
      new TokenBucket(limits.sync.burst, limits.sync.perSecond, nowMs),
      new TokenBucket(limits.other.burst, limits.other.perSecond, nowMs),
      new TokenBucket(limits.resend.burst, limits.resend.perSecond, nowMs),
    ];
    this.replies = new TokenBucket(limits.replies.burst, limits.replies.perSecond, nowMs);
    this.dropMeter = new TokenBucket(limits.abuse.maxDropped, (limits.abuse.maxDropped * 1000) / limits.abuse.windowMs, nowMs);
  }

  /** Spends one token of the class; false means "drop it" (then call `drop`). */
  allow(cls: EventClass, nowMs: number): boolean {
    return !this.banned && this.buckets[cls].take(1, nowMs);
  }

  /**
   * Counts a dropped message (over budget when `overBudget`, else invalid or
   * unknown) and says what to tell the client.
   */
  drop(nowMs: number, overBudget: boolean): DropVerdict {
    this.dropped++;
    if (this.banned) return DropVerdict.Quiet;
    if (!this.dropMeter.take(1, nowMs)) {
      this.banned = true;
      return DropVerdict.Abuse;
    }
    if (!overBudget) return DropVerdict.Quiet; // invalid messages get their own error already
    if (nowMs - this.lastNoticeMs >= this.limits.errorIntervalMs) {
      this.lastNoticeMs = nowMs;
      return DropVerdict.Notify;
    }
    return DropVerdict.Quiet;
  }

  /** Whether an error reply may be sent now (spends one). */
  mayReply(nowMs: number): boolean {
    return this.replies.take(1, nowMs);
  }

  /** When a class will have a token again (for the error's retryAfterMs). */
  retryAfterMs(cls: EventClass, nowMs: number): number {
    return Math.ceil(this.buckets[cls].msUntil(1, nowMs));
  }
}
