/**
 * Playout of remote hits: a hit struck at shared time s is due to sound at
 * s + playout delay, so the partner's rhythm (the spacing between hits) arrives
 * intact even though each hit took a different time to cross the network.
 */

/** Conservative fixed delay for the first version; the adaptive one replaces it. */
export const DEFAULT_PLAYOUT_DELAY_MS = 120;

/** Hits due sooner than this can no longer be scheduled ahead on the audio clock. */
export const MIN_SCHEDULE_LEAD_MS = 5;

export interface PlayoutDecision {
  /** shared time the hit should sound */
  dueAtMs: number;
  /** shared time it will actually be scheduled for (now + lead when late) */
  playAtMs: number;
  late: boolean;
  /** how far past its slot it arrived (0 when on time) */
  lateByMs: number;
}

export function decidePlayout(strikeAtMs: number, playoutDelayMs: number, nowSharedMs: number): PlayoutDecision {
  const dueAtMs = strikeAtMs + playoutDelayMs;
  const earliestMs = nowSharedMs + MIN_SCHEDULE_LEAD_MS;
  if (dueAtMs >= earliestMs) return { dueAtMs, playAtMs: dueAtMs, late: false, lateByMs: 0 };
  return { dueAtMs, playAtMs: nowSharedMs, late: true, lateByMs: earliestMs - dueAtMs };
}

export class PlayoutStats {
  received = 0;
  late = 0;
  record(d: PlayoutDecision): void {
    this.received++;
    if (d.late) this.late++;
  }
  get latePercent(): number {
    return this.received === 0 ? 0 : (100 * this.late) / this.received;
  }
}
