/**
 * NTP-style clock synchronisation against the server's clock (the room's
 * shared timeline). Pure: the caller supplies the four timestamps of each
 * exchange and the local clock; nothing here does I/O or reads a clock.
 *
 *   t0 client sends (local) → t1 server receives (shared)
 *   t2 server replies (shared) → t3 client receives (local)
 *
 * offset = shared − local = ((t1 − t0) + (t2 − t3)) / 2, rtt = (t3 − t0) − (t2 − t1).
 * Queueing only ever adds delay, so the exchanges with the smallest round trip
 * carry the least error: we keep a sliding window and trust its fastest ones.
 */

export interface SyncExchange {
  t0Ms: number;
  t1Ms: number;
  t2Ms: number;
  t3Ms: number;
}

export interface SyncSample {
  /** local time at the middle of the exchange */
  atLocalMs: number;
  offsetMs: number;
  rttMs: number;
}

export function sampleFromExchange(e: SyncExchange): SyncSample {
  const rttMs = Math.max(0, e.t3Ms - e.t0Ms - (e.t2Ms - e.t1Ms));
  const offsetMs = (e.t1Ms - e.t0Ms + (e.t2Ms - e.t3Ms)) / 2;
  return { atLocalMs: (e.t0Ms + e.t3Ms) / 2, offsetMs, rttMs };
}

export interface ClockSyncOptions {
  /** how many recent exchanges to keep (older ones fall out, so a changed route is followed) */
  windowSize?: number;
  /** how many of the lowest-RTT exchanges in the window to average */
  bestCount?: number;
}

export interface ClockEstimate {
  offsetMs: number;
  /** smallest round trip in the window */
  rttMs: number;
  /** bound on |offset error| from the best exchange: half its round trip */
  errorBoundMs: number;
  samples: number;
}

export class ClockSync {
  private readonly windowSize: number;
  private readonly bestCount: number;
  private window: SyncSample[] = [];
  private estimate: ClockEstimate | null = null;

  constructor(options: ClockSyncOptions = {}) {
    this.windowSize = options.windowSize ?? 32;
    this.bestCount = options.bestCount ?? 4;
    if (this.windowSize < 1 || this.bestCount < 1) {
      throw new Error(`windowSize and bestCount must be ≥ 1, got: ${this.windowSize}, ${this.bestCount}`);
    }
  }

  addExchange(e: SyncExchange): ClockEstimate {
    return this.addSample(sampleFromExchange(e));
  }

  addSample(sample: SyncSample): ClockEstimate {
    if (!Number.isFinite(sample.offsetMs) || !Number.isFinite(sample.rttMs)) {
      throw new Error(`Sync sample must be finite, got: ${JSON.stringify(sample)}`);
    }
    this.window.push(sample);
    if (this.window.length > this.windowSize) this.window.shift();
    const best = [...this.window].sort((a, b) => a.rttMs - b.rttMs).slice(0, this.bestCount);
    // Weight by 1/rtt so one clearly faster exchange dominates a slower tail.
    let wSum = 0;
    let oSum = 0;
    for (const s of best) {
      const w = 1 / Math.max(s.rttMs, 0.05);
      wSum += w;
      oSum += w * s.offsetMs;
    }
    const minRtt = best[0]!.rttMs;
    this.estimate = {
      offsetMs: oSum / wSum,
      rttMs: minRtt,
      errorBoundMs: minRtt / 2,
      samples: this.window.length,
    };
    return this.estimate;
  }

  get current(): ClockEstimate | null {
    return this.estimate;
  }

  get synced(): boolean {
    return this.estimate !== null;
  }

  toShared(localMs: number): number {
    return localMs + (this.estimate?.offsetMs ?? 0);
  }

  toLocal(sharedMs: number): number {
    return sharedMs - (this.estimate?.offsetMs ?? 0);
  }
}

/** Ping cadence: a burst on join for fast convergence, then a slow keep-alive re-sync. */
export function nextPingDelayMs(samplesSoFar: number): number {
  const BURST = 12;
  if (samplesSoFar < BURST) return 60;
  return 2000;
}
