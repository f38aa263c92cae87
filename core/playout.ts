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

/**
 * A partner hit more than this past its slot is skipped rather than played out of
 * the groove (see the comment at the default in AdaptivePlayout); the latency
 * panel shows this threshold and the skipped count.
 */
export const DEFAULT_SKIP_LATE_AFTER_MS = 5;

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
  /** the window's top transit is ignored when it stands this many times the body's p90 − p50 above the next */
  isolationFactor?: number;
  /** this many transits in a row all beyond the older ones' 10th–90th percentiles mark a route change */
  shiftHits?: number;
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
 * - Ignores one isolated outlier (a lone TCP retransmission) beyond the 0.5%,
 *   follows a route change as a shift of the whole window, and skips (rather
 *   than plays off the grid) a hit that missed its slot by more than a few ms.
 */
export class AdaptivePlayout {
  private readonly o: Required<AdaptivePlayoutOptions>;
  private transits: number[] = [];
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
      // 4 ms/s moves consecutive 16ths (150 ms) by 0.6 ms: under the 1 ms IOI target, and a
      // doubled shrink rate halves the time an early over-estimate costs (docs/benchmarks/timing.md).
      shrinkMsPerS: options.shrinkMsPerS ?? 4,
      initialDelayMs: options.initialDelayMs ?? 80,
      minDelayMs: options.minDelayMs ?? 0,
      maxDelayMs: options.maxDelayMs ?? 2_000,
      // 5 ms: lateness counts the 3 ms scheduling lead, so a hit played "at once" within this
      // sounds at most 3 ms from its slot — the alignment Ableton Link's test plan accepts
      // (timing-background.md). Later than that it would be a flam out of the groove: each one
      // played costs two IOI errors of its lateness (continental IOI p99 1.48 ms with 80 ms).
      // The UI shows skipped hits, so nothing disappears silently.
      skipLateAfterMs: options.skipLateAfterMs ?? DEFAULT_SKIP_LATE_AFTER_MS,
      isolationFactor: options.isolationFactor ?? 8,
      shiftHits: options.shiftHits ?? 8,
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
    const n = s.length;
    let k = Math.floor(n * this.o.targetLateFraction); // this many may be late
    // One isolated outlier (a TCP retransmission: +RTO, 200–250 ms) must not set the delay while
    // the window is small (metro: one early resend took it from 60.7 to 243.7 ms for ~90 s).
    // "Isolated" = further above the next transit than isolationFactor × the body's spread.
    // A burst (two or more transits up there together) is not isolated: it sets the delay.
    if (n >= 10) {
      const gapMs = this.o.isolationFactor * Math.max(0.5, s[Math.floor(n * 0.9)]! - s[n >> 1]!);
      const aloneBelow = s[n - 1 - k]! - s[n - 2 - k]! > gapMs;
      const aloneAbove = k === 0 || s[n - k]! - s[n - 1 - k]! > gapMs;
      if (aloneBelow && aloneAbove) k++;
    }
    return s[n - 1 - k]! + MIN_SCHEDULE_LEAD_MS + this.o.marginMs;
  }

  private addTransit(t: number): void {
    this.transits.push(t);
    insertSorted(this.sorted, t);
    if (this.transits.length > this.o.windowSize) {
      const old = this.transits.shift()!;
      removeSorted(this.sorted, old);
    }
  }

  /**
   * A route change moves every transit by the same step. The window would
   * then mix two levels: after a rise its percentile sits between them (hits
   * keep arriving late), after a drop the old, high transits hold the delay up
   * until they leave the window (route change: 120 s). So when the last
   * shiftHits transits ALL lie above the older ones' 90th percentile (or all
   * below their 10th; for independent transits 0.1^8 by chance, and a TCP stall
   * delays 2–3 hits, not 8), the older ones are moved by the
   * difference of the medians: the jitter learned so far stays, on the new level.
   */
  private followShift(): boolean {
    const r = this.o.shiftHits;
    const n = this.transits.length;
    if (n < 3 * r) return false;
    const recent = this.transits.slice(n - r);
    const older = this.sorted.slice();
    for (const t of recent) removeSorted(older, t);
    const lo = older[Math.floor(older.length * 0.1)]!;
    const hi = older[Math.floor(older.length * 0.9)]!;
    const up = recent.every((t) => t > hi);
    if (!up && !recent.every((t) => t < lo)) return false;
    const stepMs = medianOf(recent) - older[older.length >> 1]!;
    for (let i = 0; i < n - r; i++) this.transits[i]! += stepMs;
    this.sorted = this.transits.slice().sort((a, b) => a - b);
    return true;
  }

  /** A hit struck at strikeAtMs reached us at arrivalAtMs (both on the shared clock). */
  onArrival(strikeAtMs: number, arrivalAtMs: number): AdaptiveDecision {
    const transitMs = arrivalAtMs - strikeAtMs;
    this.addTransit(transitMs);
    const shifted = this.followShift();
    let want = clamp(this.target(), this.o.minDelayMs, this.o.maxDelayMs);
    if (this.delay !== null && want > this.delay && !shifted) {
      // Grow only as far as THIS hit needs: a target can also rise with no new high transit
      // (an outlier stops counting as isolated as the window's spread changes), and stepping
      // the delay then breaks the groove for nothing (continental, seed 8: +150 ms at once).
      // After a route change the whole new level is needed at once.
      want = Math.max(this.delay, Math.min(want, transitMs + MIN_SCHEDULE_LEAD_MS + this.o.marginMs));
    }
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

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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
