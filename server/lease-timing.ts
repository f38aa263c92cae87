/**
 * The timing decisions of a room lease (server/ownership-redis.ts), kept pure so they are
 * tested without Redis or real time.
 *
 * A holder must stop acting as the room's owner before the key can expire in Redis, or two
 * processes would both believe they own the room. Redis starts the TTL when it runs the
 * command, which is after we sent it, so "sent at + lease" is a safe (early) end of validity on
 * our own clock. The database fence (Store.saveRoomState) is the second guard for the cases
 * this cannot see (a process paused for longer than the lease between two checks).
 */

export interface LeaseTiming {
  /** the key's TTL (ROOM_LEASE_MS) */
  leaseMs: number;
  /** how often a holder renews every lease it holds */
  renewEveryMs: number;
  /** a holder gives the room up this long before its lease could run out (clock-rate slack) */
  safetyMs: number;
}

export const DEFAULT_LEASE_MS = 5_000;
/** shortest lease accepted: renewals every third of it must fit between event-loop stalls */
export const MIN_LEASE_MS = 300;

export function leaseTiming(leaseMs = DEFAULT_LEASE_MS): LeaseTiming {
  if (!Number.isFinite(leaseMs) || leaseMs < MIN_LEASE_MS) throw new RangeError(`room lease must be at least ${MIN_LEASE_MS} ms (got ${leaseMs})`);
  // Three renewals per lease: one lost or slow renewal does not lose the room.
  return { leaseMs, renewEveryMs: Math.floor(leaseMs / 3), safetyMs: Math.max(20, Math.floor(leaseMs / 20)) };
}

/** Until when a lease taken or renewed by a command sent at `sentAtMs` is surely still ours. */
export function validUntil(t: LeaseTiming, sentAtMs: number): number {
  return sentAtMs + t.leaseMs - t.safetyMs;
}

/**
 * How long a process that could not take the room should tell its clients to wait. The holder
 * alive and asked to hand over: it flushes and releases within a fraction of a second. The
 * holder dead: the key expires within `holderTtlMs`. Clients cannot tell which, so they retry
 * soon and repeatedly rather than sleep through a whole dead lease.
 */
export const RETRY_MIN_MS = 200;
export const RETRY_MAX_MS = 1_000;
export function retryAfterMs(holderTtlMs: number): number {
  if (!Number.isFinite(holderTtlMs) || holderTtlMs < 0) return RETRY_MIN_MS; // the key just expired (PTTL -2) or has no TTL (-1: never written by us)
  return Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, holderTtlMs));
}

/**
 * The holder is told about a handover request once, not once per retrying client: the room's
 * members retry every second or so, each retry asks again. A request is passed on again only
 * when the last one is older than a lease (the handover it started evidently failed).
 */
export function passOnHandoverRequest(t: LeaseTiming, lastPassedOnAtMs: number | undefined, nowMs: number): boolean {
  return lastPassedOnAtMs === undefined || nowMs - lastPassedOnAtMs >= t.leaseMs;
}
