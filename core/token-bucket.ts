/**
 * A token bucket with an injected clock: holds up to `capacity` tokens and
 * gains `refillPerSecond` tokens per second; `take(n, nowMs)` spends n tokens
 * if it has them. Pure and allocation-free, so it can sit on the hit path.
 *
 * A clock that goes backwards (or stands still) adds nothing; the bucket never
 * holds more than its capacity, so a long quiet spell buys one burst, no more.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    nowMs: number,
  ) {
    if (!(capacity > 0) || !Number.isFinite(capacity)) throw new RangeError(`capacity must be a positive finite number, got ${capacity}`);
    if (!(refillPerSecond >= 0) || !Number.isFinite(refillPerSecond)) {
      throw new RangeError(`refillPerSecond must be a non-negative finite number, got ${refillPerSecond}`);
    }
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsedMs = nowMs - this.lastMs;
    if (elapsedMs > 0) {
      // (NaN fails the comparison above: a broken clock reading refills nothing)
      this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.refillPerSecond) / 1000);
      this.lastMs = nowMs;
    }
  }

  /** Spends n tokens (default 1) if available; returns whether it did. Never goes negative. */
  take(n: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (!(n >= 0)) return false;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Tokens available at nowMs (fractional). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Milliseconds until n tokens are available (0 if they are now; Infinity if never). */
  msUntil(n: number, nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= n) return 0;
    if (n > this.capacity || this.refillPerSecond === 0) return Number.POSITIVE_INFINITY;
    return ((n - this.tokens) * 1000) / this.refillPerSecond;
  }
}
