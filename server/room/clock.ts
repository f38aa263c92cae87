/**
 * The room's one source of time: the shared clock (`now`, ms on the server's timeline) and the
 * timers that run on it. Everything time-based in the room logic (bar-line tempo changes, battle
 * scoring, ack pacing, the recording grace, write flushes and retries, idle eviction) goes
 * through a Clock, so tests drive it with a FakeClock and never sleep.
 */

export type TimerHandle = { readonly __timer: unique symbol };

export interface Clock {
  /** shared-clock ms */
  now(): number;
  /** runs `fn` once, `delayMs` from now on this clock; timers never keep the process alive */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
}

/** The process's clock: `now` as given (the shared clock), real timers (unref'd). */
export function systemClock(now: () => number): Clock {
  return {
    now,
    setTimeout(fn, delayMs) {
      const t = setTimeout(fn, Math.max(0, delayMs));
      t.unref?.();
      return t as unknown as TimerHandle;
    },
    clearTimeout(handle) {
      if (handle) clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
    },
  };
}

interface FakeTimer {
  id: number;
  atMs: number;
  fn: () => void;
}

/**
 * A clock that moves only when told (`advance`): timers due by then run in time order, each
 * seeing `now()` at its own due time (Tone.js habit: a callback runs at the time it was
 * scheduled for). Promise callbacks queued by a timer get a chance to run before the next one,
 * so async work started by a timer (a store write) settles as it would in real time.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs = 1_800_000_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = { id: ++this.seq, atMs: this.t + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    if (handle == null) return;
    this.timers = this.timers.filter((x) => x.id !== (handle as unknown as number));
  }

  /** timers waiting */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running every timer due on the way. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance needs ms ≥ 0, got: ${ms}`);
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(end);
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.atMs;
      next.fn();
    }
    this.t = end;
    await settle();
  }

  /** Moves time to `atMs` (not backwards). */
  advanceTo(atMs: number): Promise<void> {
    return this.advance(Math.max(0, atMs - this.t));
  }

  private nextDue(endMs: number): FakeTimer | null {
    let best: FakeTimer | null = null;
    for (const x of this.timers) if (x.atMs <= endMs && (!best || x.atMs < best.atMs || (x.atMs === best.atMs && x.id < best.id))) best = x;
    return best;
  }
}

/** Lets queued promise callbacks (and the I/O they wait for, one macrotask deep) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
