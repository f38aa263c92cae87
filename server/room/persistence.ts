/**
 * Saves one room's state for its owner: in order, coalesced (a burst of changes is one write of
 * the latest state), skipped when nothing persisted changed, retried while the database is
 * away, and fenced (server/ownership.ts): a save the store refuses means another process has
 * claimed the room since, and `onFenced` drops it here.
 */
import type { RoomStateRecord, Store } from "../store";
import type { Clock, TimerHandle } from "./clock";
import { sameStateRecord } from "./snapshot";

/** after a failed save, try again this often (the latest state; nothing older is written) */
export const SAVE_RETRY_MS = 1_000;

export interface RoomSaverDeps {
  store: Pick<Store, "saveRoomState">;
  clock: Clock;
  code: string;
  /** the fencing token from Store.claimRoom */
  fence: number;
  /** the room's state now (called when a save starts, so it is always the latest) */
  current(): RoomStateRecord;
  /** the record as loaded: an unchanged room is never written */
  saved: RoomStateRecord | null;
  /** another process owns the room now */
  onFenced(): void;
  log?: (msg: string, err?: unknown) => void;
}

export class RoomSaver {
  private saved: RoomStateRecord | null;
  private dirty = false;
  private running: Promise<void> | null = null;
  private retryTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly deps: RoomSaverDeps) {
    this.saved = deps.saved;
  }

  /**
   * The room changed: its state will be saved (once, however many changes come meanwhile).
   * Resolves when a save covering this change has landed, or failed (then a retry is armed).
   */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.dirty = true;
    if (this.retryTimer) return Promise.resolve();
    this.running ??= this.run();
    return this.running;
  }

  /** Resolves once everything requested so far is saved (or given up: fenced, stopped). */
  async drain(): Promise<void> {
    while (this.running || (this.dirty && !this.stopped)) {
      if (this.retryTimer) {
        this.deps.clock.clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.running = this.run();
      }
      if (!this.running && this.dirty) this.running = this.run();
      await this.running;
      // a failed save left it dirty with a retry armed: drain tries once, not forever
      if (this.retryTimer) return;
    }
  }

  /** No more saves (the room left memory). */
  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async run(): Promise<void> {
    // (first a tick: `this.running` is assigned before this can finish and clear it)
    await Promise.resolve();
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        const record = this.deps.current();
        if (sameStateRecord(this.saved, record)) continue;
        let accepted: boolean;
        try {
          accepted = await this.deps.store.saveRoomState(this.deps.code, record, this.deps.fence);
        } catch (err) {
          this.deps.log?.(`saving room ${this.deps.code} failed (will retry)`, err);
          this.dirty = true;
          this.retryTimer = this.deps.clock.setTimeout(() => {
            this.retryTimer = null;
            if (!this.running) this.running = this.run();
          }, SAVE_RETRY_MS);
          return;
        }
        if (!accepted) {
          this.stop();
          this.deps.onFenced();
          return;
        }
        this.saved = record;
      }
    } finally {
      this.running = null;
    }
  }
}
