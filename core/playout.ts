/**
 * Playout of remote hits: a hit struck at shared time s is due to sound at
 * s + playout delay, so the partner's rhythm (the spacing between hits) arrives
 * intact even though each hit took a different time to cross the network.
 */

/** Conservative fixed delay for the first version; the adaptive one replaces it. */
export const DEFAULT_PLAYOUT_DELAY_MS = 120;

/**
 * Hits due sooner than this can no longer be scheduled ahead on the audio clock
 * (one 128-sample render quantum is 2.7–2.9 ms).
 */
export const MIN_SCHEDULE_LEAD_MS = 3;

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

// ---------------------------------------------------------------------------
// Adaptive playout (latency compensation)
// ---------------------------------------------------------------------------

export interface AdaptivePlayoutOptions {
  /** fraction of hits allowed to miss their slot: 0.5% (issue "Timing you can trust") */
  targetLateFraction?: number;
  /** transit samples kept: enough that the 99.5th percentile is not just the maximum */
  windowSize?: number;
  /** safety margin on top of the learned percentile */
  marginMs?: number;
  /** how fast the delay may shrink, ms per second of the sender's strike time: slow so grooves do not bunch */
  shrinkMsPerS?: number;
  /** delay used before anything is known */
  initialDelayMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** a hit later than this past its slot is skipped instead of played out of the groove */
  skipLateAfterMs?: number;
}

export interface AdaptiveDecision extends PlayoutDecision {
  /** not played at all: it arrived more than skipLateAfterMs after its slot */
  skipped: boolean;
  /** the playout delay in force for this hit */
  delayMs: number;
}

/**
 * Learns the distribution of (arrival − strike) for ONE remote sender and
 * keeps the playout delay at the smallest value that leaves ≤ 0.5% of hits late.
 *
 * - Grows at once when the learned percentile rises (a late hit or a jitter burst).
 *   Growing never reorders: a later strike gets a later slot.
 * - Shrinks slowly (slew-limited per ms of strike time), so two hits' spacing
 *   changes by at most shrinkMsPerS/1000 of it: nothing already in flight bunches.
 */
export class AdaptivePlayout {
  private readonly o: Required<AdaptivePlayoutOptions>;
  private readonly transits: number[] = [];
  private sorted: number[] = [];
  private delay: number | null = null;
  private lastStrikeAtMs: number | null = null;
  private lastDueAtMs = -Infinity;
  readonly stats = new PlayoutStats();
  skipped = 0;

  constructor(options: AdaptivePlayoutOptions = {}) {
    this.o = {
      targetLateFraction: options.targetLateFraction ?? 0.005,
      windowSize: options.windowSize ?? 800,
      marginMs: options.marginMs ?? 1,
      shrinkMsPerS: options.shrinkMsPerS ?? 2,
      initialDelayMs: options.initialDelayMs ?? 80,
      minDelayMs: options.minDelayMs ?? 0,
      maxDelayMs: options.maxDelayMs ?? 2_000,
      skipLateAfterMs: options.skipLateAfterMs ?? 80,
    };
    if (!(this.o.targetLateFraction > 0 && this.o.targetLateFraction < 1)) {
      throw new Error(`targetLateFraction must be within (0, 1), got: ${this.o.targetLateFraction}`);
    }
  }

  /** Current delay (ms), or the initial one before any hit. */
  get delayMs(): number {
    return this.delay ?? this.o.initialDelayMs;
  }

  /** Transit statistics of the window: median and a jitter figure (p95 − p50). */
  get transit(): { p50Ms: number; p95Ms: number; jitterMs: number; samples: number } | null {
    const s = this.sorted;
    if (s.length === 0) return null;
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    return { p50Ms: q(0.5), p95Ms: q(0.95), jitterMs: q(0.95) - q(0.5), samples: s.length };
  }

  /**
   * The transit percentile the delay must cover (the window's maximum while it
   * is small), plus the audio scheduling lead and a safety margin.
   */
  private target(): number {
    const s = this.sorted;
    const k = Math.floor(s.length * this.o.targetLateFraction); // this many may be late
    return s[s.length - 1 - k]! + MIN_SCHEDULE_LEAD_MS + this.o.marginMs;
  }

  private addTransit(t: number): void {
    this.transits.push(t);
    insertSorted(this.sorted, t);
    if (this.transits.length > this.o.windowSize) {
      const old = this.transits.shift()!;
      removeSorted(this.sorted, old);
    }
  }

  /** A hit struck at strikeAtMs reached us at arrivalAtMs (both on the shared clock). */
  onArrival(strikeAtMs: number, arrivalAtMs: number): AdaptiveDecision {
    const transitMs = arrivalAtMs - strikeAtMs;
    this.addTransit(transitMs);
    const want = clamp(this.target(), this.o.minDelayMs, this.o.maxDelayMs);
    if (this.delay === null || want >= this.delay) {
      this.delay = want;
    } else {
      const dtMs = this.lastStrikeAtMs === null ? 0 : Math.max(0, strikeAtMs - this.lastStrikeAtMs);
      this.delay = Math.max(want, this.delay - (this.o.shrinkMsPerS * dtMs) / 1000);
    }
    if (this.lastStrikeAtMs === null || strikeAtMs > this.lastStrikeAtMs) this.lastStrikeAtMs = strikeAtMs;

    let dueAtMs = strikeAtMs + this.delay;
    // Never let a later strike sound before an earlier one (it can only happen for
    // hits that arrive out of strike order, e.g. two senders' clocks disagree).
    if (dueAtMs < this.lastDueAtMs && strikeAtMs >= (this.lastStrikeAtMs ?? strikeAtMs)) dueAtMs = this.lastDueAtMs;
    const d = decidePlayout(strikeAtMs, dueAtMs - strikeAtMs, arrivalAtMs);
    this.stats.record(d);
    const skipped = d.late && d.lateByMs > this.o.skipLateAfterMs;
    if (skipped) this.skipped++;
    if (!d.late) this.lastDueAtMs = Math.max(this.lastDueAtMs, d.dueAtMs);
    return { ...d, skipped, delayMs: this.delay };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

function lowerBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function insertSorted(a: number[], v: number): void {
  a.splice(lowerBound(a, v), 0, v);
}
function removeSorted(a: number[], v: number): void {
  const i = lowerBound(a, v);
  if (a[i] === v) a.splice(i, 1);
}

// ---------------------------------------------------------------------------
// Groove mode (NINJAM-style): a whole number of bars of delay
// ---------------------------------------------------------------------------

export const GROOVE_BAR_CHOICES = [1, 2, 4] as const;

/**
 * The smallest whole number of bars (1, 2 or 4) that covers the needed delay,
 * so a partner's beat 1 lands on your beat 1. `covered` is false when even 4
 * bars are not enough (then 4 bars are used and some hits will be late).
 */
export function grooveDelay(neededMs: number, barMs: number): { bars: number; delayMs: number; covered: boolean } {
  if (!(barMs > 0)) throw new Error(`barMs must be > 0, got: ${barMs}`);
  for (const bars of GROOVE_BAR_CHOICES) {
    if (bars * barMs >= neededMs) return { bars, delayMs: bars * barMs, covered: true };
  }
  const bars = 4; // the largest choice
  return { bars, delayMs: bars * barMs, covered: false };
}

/** Ensemble threshold (timing-background.md): live playing is comfortable up to ~30 ms one way. */
export const LIVE_MAX_ONE_WAY_MS = 30;

export type PlayMode = "live" | "groove";

export function recommendMode(oneWayMs: number | null): PlayMode {
  return oneWayMs !== null && oneWayMs > LIVE_MAX_ONE_WAY_MS ? "groove" : "live";
}

/** Colour band of a one-way delay: ≤25 ms green, ≤50 amber, else red. */
export function latencyBand(oneWayMs: number | null): "good" | "fair" | "poor" | "unknown" {
  if (oneWayMs === null) return "unknown";
  if (oneWayMs <= 25) return "good";
  if (oneWayMs <= 50) return "fair";
  return "poor";
}
