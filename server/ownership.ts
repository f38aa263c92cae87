/**
 * One owner per room (issue 13, "One room, one owner"). At any moment exactly one server process
 * holds a room's live state and writes it; connections are routed to it by room (the primary in
 * server/workers.ts on one machine, nginx `hash $arg_room consistent` across machines).
 *
 * Two guards:
 * - the **lease** (this interface): who may load the room. One process alone: always this one
 *   (`LocalOwnership`). With REDIS_URL: a lease key with a TTL, renewed by its holder
 *   (server/ownership-redis.ts); a holder that dies loses it when the TTL runs out.
 * - the **fencing token** (`Store.claimRoom`): issued by the database when a process loads the
 *   room; every write of the room's state carries it and is refused once a newer owner has
 *   claimed the room, so a paused or partitioned old owner cannot overwrite the new one.
 */

export type AcquireResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface RoomOwnership {
  /** this process, as the lease names it */
  readonly serverId: string;
  /**
   * Takes the room's lease, or confirms this process holds it. `ok: false`: another live process
   * holds it; it has been asked to hand the room over, and the caller may try again after
   * `retryAfterMs` (clients get `room_moving`).
   */
  acquire(code: string): Promise<AcquireResult>;
  /**
   * Whether this process holds the room's lease right now. A lease can be lost while a room is
   * still loading (onLost then finds no room to drop): check it once the room is ready, before
   * serving it. Optional for backward compatibility; absent = always true.
   */
  holds?(code: string): boolean;
  /** Gives the lease up (the room left memory, or the process is stopping). */
  release(code: string): Promise<void>;
  /** This process lost a lease it held (not renewed in time): the room must leave memory at once, its connections closed. */
  onLost(cb: (code: string) => void): void;
  /**
   * Another process, where routing now sends this room's connections, asks for it: flush what
   * must be stored, close the room's connections (they reconnect and are routed there), then
   * `release` it.
   */
  onHandoverRequested(cb: (code: string) => void): void;
  close(): Promise<void>;
}

/** One process (or one worker owning its rooms by hash): every room is this process's. */
export class LocalOwnership implements RoomOwnership {
  constructor(readonly serverId = "local") {}
  acquire(): Promise<AcquireResult> {
    return Promise.resolve({ ok: true });
  }
  holds(): boolean {
    return true;
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
  onLost(): void {}
  onHandoverRequested(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}
