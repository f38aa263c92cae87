/**
 * The clock offset the page APPLIES, disciplined: it follows ClockSync's
 * estimate, but slews small changes in gradually instead of stepping.
 *
 * Why: every step of the applied offset moves every partner hit at this
 * listener's speaker by the step (a shared-clock slot maps to another local
 * time). ClockSync's estimate steps by 1–3 ms whenever a new floor exchange
 * arrives or an old one leaves its window; bench:e2e measured the partner's
 * groove p95 at 2.6 ms with a constant playout delay on a 15 ± 3 ms link, all of
 * it such steps. Slewed at 1 ms per second, a 2 ms correction moves consecutive
 * 16ths by 0.15 ms. A change larger than `stepAboveMs` (the first estimate, a
 * route change) is applied at once: slewing it would be wrong for seconds.
 * Pure: the caller passes the local time of each query.
 */
export interface ClockDisciplineOptions {
  /** largest change of the applied offset per ms of local time (1 ms/s) */
  slewPerMs?: number;
  /** a correction larger than this is applied at once */
  stepAboveMs?: number;
}

export class ClockDiscipline {
  private readonly slewPerMs: number;
  private readonly stepAboveMs: number;
  private appliedMs: number | null = null;
  private atLocalMs = -Infinity;
  steps = 0;

  constructor(options: ClockDisciplineOptions = {}) {
    this.slewPerMs = options.slewPerMs ?? 0.001;
    this.stepAboveMs = options.stepAboveMs ?? 5;
    if (!(this.slewPerMs > 0)) throw new Error(`slewPerMs must be > 0, got: ${this.slewPerMs}`);
  }

  /**
   * The offset (shared − local) to apply at localMs, given the estimate there.
   * Queries for an earlier local time than the latest (an input event's
   * timestamp) get the offset in force then, without moving it.
   */
  offsetAt(localMs: number, estimateMs: number): number {
    if (this.appliedMs === null || Math.abs(estimateMs - this.appliedMs) > this.stepAboveMs) {
      if (this.appliedMs !== null) this.steps++;
      this.appliedMs = estimateMs;
      this.atLocalMs = localMs;
      return estimateMs;
    }
    if (localMs <= this.atLocalMs) return this.appliedMs;
    const maxMs = this.slewPerMs * (localMs - this.atLocalMs);
    this.appliedMs += Math.max(-maxMs, Math.min(maxMs, estimateMs - this.appliedMs));
    this.atLocalMs = localMs;
    return this.appliedMs;
  }

  /** Forget everything (a new connection: the next estimate is applied at once). */
  reset(): void {
    this.appliedMs = null;
    this.atLocalMs = -Infinity;
  }
}
