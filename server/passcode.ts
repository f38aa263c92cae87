/**
 * Room passcodes: only a salted scrypt hash is stored (Room.passcodeHash), and
 * a per-room limit on failed joins keeps a short passcode from being guessed
 * by brute force.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * scrypt cost: N = 2^14, r = 8 (16 MiB, a few tens of ms on one core) — the
 * interactive-login parameters of the scrypt paper. Stored with the hash, so
 * they can be raised later without breaking existing rooms.
 */
const LOG_N = 14;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** refuse stored parameters needing more memory than this (a corrupted row must not allocate gigabytes) */
const MAX_SCRYPT_BYTES = 256 * 2 ** 20;

function derive(passcode: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  // Async: scrypt runs on libuv's thread pool, not on the event loop that relays hits.
  return new Promise((resolve, reject) => {
    scrypt(passcode.normalize("NFC"), salt, KEY_BYTES, { ...opts, maxmem: MAX_SCRYPT_BYTES * 2 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<key, base64url>`, a fresh salt per call. */
export async function hashPasscode(passcode: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(passcode, salt, { N: 2 ** LOG_N, r: BLOCK_SIZE, p: PARALLELISM });
  return ["scrypt", LOG_N, BLOCK_SIZE, PARALLELISM, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Constant-time check of a passcode against a stored hash; false for a malformed hash (fails closed). */
export async function verifyPasscode(passcode: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n >= 1) || logN > 30 || p > 16 || 128 * 2 ** logN * r > MAX_SCRYPT_BYTES) return false;
  const salt = Buffer.from(parts[4]!, "base64url");
  const expected = Buffer.from(parts[5]!, "base64url");
  if (salt.length === 0 || expected.length !== KEY_BYTES) return false;
  const key = await derive(passcode, salt, { N: 2 ** logN, r, p });
  return timingSafeEqual(key, expected);
}

export interface AttemptLimit {
  /** failed attempts allowed per key within `windowMs` */
  maxFailures: number;
  windowMs: number;
}

/** 10 wrong passcodes a minute per room: a 4-digit code then takes ~17 hours on average to guess. */
export const DEFAULT_PASSCODE_ATTEMPTS: AttemptLimit = { maxFailures: 10, windowMs: 60_000 };

/**
 * Counts failed attempts per key (a room code) in a sliding window. An attempt
 * is counted when it BEGINS and released if it succeeds, so attempts checked
 * concurrently (scrypt is async) cannot slip past the limit together.
 */
export class FailedAttemptLimiter {
  /** per key, the start times of counted attempts, oldest first (at most maxFailures) */
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly limit: AttemptLimit = DEFAULT_PASSCODE_ATTEMPTS) {
    if (!(limit.maxFailures >= 1) || !Number.isInteger(limit.maxFailures) || !(limit.windowMs > 0)) {
      throw new RangeError(`attempt limit needs an integer maxFailures ≥ 1 and windowMs > 0, got ${JSON.stringify(limit)}`);
    }
  }

  /**
   * Starts an attempt: refused with the time until the next one is allowed, or
   * counted as a failure until `release()` (call it when the attempt succeeded).
   */
  begin(key: string, nowMs: number): { ok: true; release: () => void } | { ok: false; retryAfterMs: number } {
    const list = this.live(key, nowMs);
    if (list.length >= this.limit.maxFailures) {
      return { ok: false, retryAfterMs: Math.max(1, Math.ceil(list[0]! + this.limit.windowMs - nowMs)) };
    }
    if (this.attempts.size > 10_000) this.sweep(nowMs);
    list.push(nowMs);
    this.attempts.set(key, list);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const current = this.attempts.get(key);
        const i = current?.indexOf(nowMs) ?? -1;
        if (current && i >= 0) current.splice(i, 1);
        if (current?.length === 0) this.attempts.delete(key);
      },
    };
  }

  /** keys currently tracked (for tests: memory stays bounded) */
  get size(): number {
    return this.attempts.size;
  }

  private live(key: string, nowMs: number): number[] {
    const list = this.attempts.get(key) ?? [];
    while (list.length > 0 && nowMs - list[0]! >= this.limit.windowMs) list.shift();
    if (list.length === 0) this.attempts.delete(key);
    return list;
  }

  private sweep(nowMs: number): void {
    for (const key of [...this.attempts.keys()]) this.live(key, nowMs);
  }
}
