/**
 * What the room modules share, handed to each by the service: the store, the clock, the
 * broadcast group, the row writer, and `changed` — the one way to say "the room really changed"
 * (it sends `room:state` to everyone in it and saves it).
 */
import type { Store } from "../store";
import type { Clock } from "./clock";
import type { Fanout } from "./connection";
import type { Room } from "./room";
import type { RowWriter } from "./writer";
import { RETRY_INTERVAL_MS } from "./writer";

export interface RoomContext {
  store: Store;
  clock: Clock;
  fanout: Fanout;
  writer: RowWriter;
  log: (msg: string, err?: unknown) => void;
  /**
   * Broadcasts `room:state` and saves the room (persistence.ts). Resolves when that save has
   * landed or failed (then it is retried in the background); most callers do not wait.
   */
  changed(room: Room): Promise<void>;
  /** the room is still the one in memory for its code (not dropped or replaced while awaiting) */
  isLive(room: Room): boolean;
}

/**
 * Tries a write once; on failure keeps retrying on the clock in the background and resolves at
 * once (a join or stop must work while the database is away).
 */
export async function retryUntilStored(ctx: Pick<RoomContext, "clock" | "log">, write: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await write();
  } catch (err) {
    ctx.log(`${what} failed (will retry)`, err);
    const again = () => {
      write().catch(() => ctx.clock.setTimeout(again, RETRY_INTERVAL_MS));
    };
    ctx.clock.setTimeout(again, RETRY_INTERVAL_MS);
  }
}
