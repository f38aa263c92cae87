/**
 * Playout of a partner's hits: a hit struck at shared time s sounds at the
 * listener's SPEAKER at s + playout delay, so the partner's rhythm (the spacing
 * between hits) arrives intact although each hit took a different time to cross
 * the network. "On time" is judged against the audio deadline
 * (core/audio-deadline.ts): the network transit PLUS this device's output path.
 */
import { decideDeadline, type DeadlineDecision } from "./audio-deadline";
import { median, quantile } from "./stats";

/**
 * A partner hit more than this past its slot is skipped rather than played out of
 * the groove (see the comment at the default in AdaptivePlayout); the latency
 * panel shows this threshold and the skipped count.
 */
export const DEFAULT_SKIP_LATE_AFTER_MS = 5;

/**
 * Quick ↔ safe: how many of a partner's hits may miss their slot. Less late
 * means a longer delay; the latency panel shows what each costs in ms.
 */
export const LATE_TARGETS = { tight: 0.02, normal: 0.005, safe: 0.001 } as const;
export type LateTargetId = keyof typeof LATE_TARGETS;
export const LATE_TARGET_IDS = Object.keys(LATE_TARGETS) as LateTargetId[];
export const DEFAULT_LATE_TARGET: LateTargetId = "normal";

export function isLateTargetId(v: unknown): v is LateTargetId {
  return typeof v === "string" && Object.hasOwn(LATE_TARGETS, v);
}

export type PlayoutDecision = DeadlineDecision;

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

export interface AdaptivePlayoutOptions {
  /** fraction of hits allowed to miss their slot (LATE_TARGETS; 0.5% by default) */
  targetLateFraction?: number;
  /** transit samples kept: enough that the 99.5th percentile is not just the maximum */
  windowSize?: number;
  /** safety margin on top of the learned percentile */
  marginMs?: number;
  /** transit assumed before anything is known (no prior from clock sync either) */
  initialTransitMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** a hit later than this past its slot is skipped instead of played out of the groove */
  skipLateAfterMs?: number;
  /** the window's top transit is ignored when it stands this many times the body's p90 − p50 above the next */
  isolationFactor?: number;
  /** this many transits in a row all beyond the older ones' 10th–90th percentiles mark a route change */
  shiftHits?: number;
  /** a gap between two of the partner's strikes at least this long is a rest: the delay may change there */
  restMs?: number;
  /** until this many transits are known, the prior is a floor for the delay (the window's tail is unknown) */
  priorHits?: number;
  /** a rest shrinks the delay only by at least this much (each change shifts the partner) */
  shrinkMinMs?: number;
  /** a shrink waits for a longer silence than a growth: a phrase's end (a bar) */
  shrinkRestMs?: number;
}

export interface AdaptiveDecision extends PlayoutDecision {
  /** not played at all: it would be heard more than skipLateAfterMs after its slot */
  skipped: boolean;
  /** the playout delay in force for this hit */
  delayMs: number;
  /** the delay changed with this hit */
  changed: boolean;
}

/**
 * Learns the distribution of (arrival − strike) for ONE partner and keeps the
 * playout delay at the smallest value that leaves the target fraction of hits
 * late at the SPEAKER: delay ≥ transit percentile + audio lead (output path +
 * render quantum + margin) + margin.
 *
 * No audible steps:
 * - before the first hit, the delay comes from a prior (the sender's up-leg and
 *   this device's down-leg from clock sync), so the first hit already fits;
 * - the delay changes in the partner's RESTS (a gap ≥ restMs between strikes),
 *   never between two hits of a fill — except that it grows at once, as far as
 *   that hit needs, after a hit that really missed its slot (or at a route change);
 * - growing never reorders: a later strike gets a later slot.
 * It also ignores one isolated outlier (a lone TCP retransmission) beyond the
 * target, and skips (rather than plays off the grid) a hit heard more than a
 * few ms after its slot.
 */
export class AdaptivePlayout {
  private readonly o: Required<AdaptivePlayoutOptions>;
  private transits: number[] = [];
  private sorted: number[] = [];
  private delay: number | null = null;
  private priorTransitMs: number | null = null;
  private lastStrikeAtMs: number | null = null;
  private lastDueAtMs = -Infinity;
  private lateFraction: number;
  readonly stats = new PlayoutStats();
  skipped = 0;
  /** how often the delay changed after the first hit */
  changes = 0;

  constructor(options: AdaptivePlayoutOptions = {}) {
    this.o = {
      targetLateFraction: options.targetLateFraction ?? LATE_TARGETS[DEFAULT_LATE_TARGET],
      windowSize: options.windowSize ?? 800,
      marginMs: options.marginMs ?? 1,
      initialTransitMs: options.initialTransitMs ?? 80,
      minDelayMs: options.minDelayMs ?? 0,
      maxDelayMs: options.maxDelayMs ?? 2_000,
      // 5 ms: a late hit played at once is heard ≤ 5 ms off its slot — near the alignment Ableton
      // Link's test plan accepts (timing-background.md). Later than that it would be a flam out of
      // the groove: each one played costs two IOI errors of its lateness. The UI shows skipped hits.
      skipLateAfterMs: options.skipLateAfterMs ?? DEFAULT_SKIP_LATE_AFTER_MS,
      isolationFactor: options.isolationFactor ?? 8,
      shiftHits: options.shiftHits ?? 8,
      // a beat at 100 BPM; the session sets the room's beat
      restMs: options.restMs ?? 600,
      // ~8 s of 16ths at 100 BPM before the window's own tail is trusted alone
      priorHits: options.priorHits ?? 50,
      // smaller savings are not worth shifting the partner against the beat (bench:timing, bench:e2e)
      shrinkMinMs: options.shrinkMinMs ?? 8,
      // a bar at 100 BPM; the session sets the room's bar
      shrinkRestMs: options.shrinkRestMs ?? 2_400,
    };
    this.lateFraction = checkFraction(this.o.targetLateFraction);
  }

  /** The late target (LATE_TARGETS); a new one takes effect at the partner's next rest. */
  setTargetLateFraction(fraction: number): void {
    this.lateFraction = checkFraction(fraction);
  }
  get targetLateFraction(): number {
    return this.lateFraction;
  }

  /** The rests that may take a change: a beat for a needed growth, a bar for a shrink. */
  setRests(beatMs: number, barMs: number): void {
    if (!(beatMs > 0) || !(barMs > 0)) throw new Error(`rests must be > 0, got: ${beatMs}, ${barMs}`);
    this.o.restMs = beatMs;
    this.o.shrinkRestMs = barMs;
  }

  /**
   * What the path is expected to take before (and while few) hits are known:
   * sender's up-leg + this device's down-leg, high percentiles, from clock sync.
   */
  setPriorTransit(ms: number | null): void {
    this.priorTransitMs = ms !== null && Number.isFinite(ms) && ms >= 0 ? ms : null;
  }

  get priorTransit(): number | null {
    return this.priorTransitMs;
  }

  /**
   * The partner's hits now come over another path (issue 15: the direct channel closed, and
   * the relay's copies, never stopped, are now the first): the transits learned on the old path
   * say nothing of the new one, so they are dropped and `priorMs` (the new path's expected
   * transit, high percentile; null: keep the current prior) is the floor again until priorHits
   * transits are known. The delay itself is not touched here: the next hit at a rest takes the
   * new level (it is "too late" for the old delay), and a hit that misses its slot before that
   * grows it at once, as for any miss — never a step between two hits that both fit.
   */
  pathChanged(priorMs: number | null): void {
    this.transits = [];
    this.sorted = [];
    if (priorMs !== null) this.setPriorTransit(priorMs);
  }

  /** The delay in force (ms) — before any hit, the prior's or the initial one for this lead. */
  delayMs(leadMs: number): number {
    return this.delay ?? this.startDelayMs(leadMs);
  }

  private startDelayMs(leadMs: number): number {
    return clamp((this.priorTransitMs ?? this.o.initialTransitMs) + leadMs + this.o.marginMs, this.o.minDelayMs, this.o.maxDelayMs);
  }

  /** Transit statistics of the window: median and a jitter figure (p95 − p50). */
  get transit(): { p50Ms: number; p95Ms: number; jitterMs: number; samples: number } | null {
    const s = this.sorted;
    if (s.length === 0) return null;
    const p50Ms = quantile(s, 0.5);
    const p95Ms = quantile(s, 0.95);
    return { p50Ms, p95Ms, jitterMs: p95Ms - p50Ms, samples: s.length };
  }

  /** What the delay would be with this late fraction (the quick ↔ safe costs), or null before any hit. */
  delayForTarget(fraction: number, leadMs: number): number | null {
    if (this.sorted.length === 0) return null;
    return clamp(this.target(fraction, leadMs), this.o.minDelayMs, this.o.maxDelayMs);
  }

  /**
   * The transit percentile the delay must cover (the window's maximum while it
   * is small; never below the prior while few hits are known), plus the audio
   * lead and a safety margin.
   */
  private target(fraction: number, leadMs: number): number {
    const s = this.sorted;
    const n = s.length;
    // An order statistic, not a quantile estimate: the delay must cover every transit but k.
    let k = Math.floor(n * fraction); // this many may be late
    // One isolated outlier (a TCP retransmission: +RTO, 200–250 ms) must not set the delay while
    // the window is small (metro: one early resend took it from 60.7 to 243.7 ms for ~90 s).
    // "Isolated" = further above the next transit than isolationFactor × the body's spread.
    if (n >= 10) {
      const gapMs = this.o.isolationFactor * Math.max(0.5, quantile(s, 0.9) - quantile(s, 0.5));
      const aloneBelow = s[n - 1 - k]! - s[n - 2 - k]! > gapMs;
      const aloneAbove = k === 0 || s[n - k]! - s[n - 1 - k]! > gapMs;
      if (aloneBelow && aloneAbove) k++;
    }
    let transitMs = s[n - 1 - k]!;
    if (this.priorTransitMs !== null && n < this.o.priorHits) transitMs = Math.max(transitMs, this.priorTransitMs);
    return transitMs + leadMs + this.o.marginMs;
  }

  /** transits in the window above this one (binary search on the sorted copy) */
  private lateCountAt(transitMs: number): number {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= transitMs) lo = mid + 1;
      else hi = mid;
    }
    return s.length - lo;
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
   * A route change moves every transit by the same step. When the last
   * shiftHits transits ALL lie above the older ones' 90th percentile (or all
   * below their 10th; for independent transits 0.1^8 by chance, and a TCP stall
   * delays 2–3 hits, not 8), the older ones are moved by the difference of the
   * medians: the jitter learned so far stays, on the new level.
   */
  private followShift(): boolean {
    const r = this.o.shiftHits;
    const n = this.transits.length;
    if (n < 3 * r) return false;
    const recent = this.transits.slice(n - r);
    const older = this.sorted.slice();
    for (const t of recent) removeSorted(older, t);
    const lo = quantile(older, 0.1);
    const hi = quantile(older, 0.9);
    const up = recent.every((t) => t > hi);
    if (!up && !recent.every((t) => t < lo)) return false;
    const stepMs = median(recent) - quantile(older, 0.5);
    for (let i = 0; i < n - r; i++) this.transits[i]! += stepMs;
    this.sorted = this.transits.slice().sort((a, b) => a - b);
    return true;
  }

  /**
   * A hit struck at strikeAtMs reached us at arrivalAtMs (both on the shared
   * clock). `leadMs` is the audio lead the delay plans for (a steady, cautious
   * figure: audioLeadMs of the largest recent output path); `deadlineLeadMs`
   * the one in force right now, which judges whether this hit is late — the
   * browser's currentTime advances in whole callbacks, so the true lead moves
   * by up to one callback (~10 ms) between two readings.
   */
  onArrival(strikeAtMs: number, arrivalAtMs: number, leadMs: number, deadlineLeadMs = leadMs): AdaptiveDecision {
    const transitMs = arrivalAtMs - strikeAtMs;
    this.addTransit(transitMs);
    const shifted = this.followShift();
    const want = clamp(this.target(this.lateFraction, leadMs), this.o.minDelayMs, this.o.maxDelayMs);
    const gapMs = this.lastStrikeAtMs === null ? Infinity : strikeAtMs - this.lastStrikeAtMs;
    const atRest = gapMs >= this.o.restMs;
    const first = this.delay === null;
    const before = this.delay ?? this.startDelayMs(leadMs);
    const needMs = transitMs + deadlineLeadMs; // the smallest delay at which THIS hit is on time
    let next = before;
    if (shifted) {
      next = want; // a route change: the whole new level at once
    } else if (atRest && !first && want !== before) {
      // Every change is a shift of the partner against the beat, so a rest takes one only when it
      // is needed (the window has more transits beyond the delay than the late target allows) or
      // clearly worth it (at least shrinkMinMs less delay, once the window is no longer small, after a
      // bar of silence: bench:e2e saw an 11.5 ms shrink at a one-beat rest put the groove p95 at 8.6 ms).
      const n = this.sorted.length;
      const tooLate = this.lateCountAt(before - leadMs) > lateAllowance(n, this.lateFraction);
      const worthShrinking = before - want >= this.o.shrinkMinMs && n >= this.o.priorHits && gapMs >= this.o.shrinkRestMs;
      if ((want > before && tooLate) || (want < before && worthShrinking)) next = want;
    }
    if (next === before && needMs > before && this.lateCountAt(before - leadMs) > lateAllowance(Math.min(this.sorted.length, MISS_WINDOW), this.lateFraction)) {
      // This hit really misses its slot, and the window holds more hits beyond the delay than a
      // path late at the target shows among MISS_WINDOW hits (lateAllowance: one page stall in a
      // fill is not a new level, and growing for it shifted the rest of the phrase by up to 12 ms
      // in bench:e2e direct; that one hit plays late or is skipped instead; capped at MISS_WINDOW
      // so a long window does not wait for several misses after a route change): grow at once,
      // but only as far as THIS hit needs (a target can also rise with no new high transit;
      // stepping then breaks the groove for nothing). An isolated outlier the target ignores stays late.
      next = Math.max(before, Math.min(want, transitMs + Math.max(leadMs, deadlineLeadMs) + this.o.marginMs));
    }
    if (!first && next !== before) this.changes++;
    this.delay = next;
    if (this.lastStrikeAtMs === null || strikeAtMs > this.lastStrikeAtMs) this.lastStrikeAtMs = strikeAtMs;

    let dueAtMs = strikeAtMs + this.delay;
    // Never let a later strike sound before an earlier one (only for hits that arrive out of
    // strike order, e.g. two senders' clocks disagree).
    if (dueAtMs < this.lastDueAtMs && strikeAtMs >= (this.lastStrikeAtMs ?? strikeAtMs)) dueAtMs = this.lastDueAtMs;
    const d = decideDeadline(dueAtMs, arrivalAtMs, deadlineLeadMs);
    this.stats.record(d);
    const skipped = d.late && d.lateByMs > this.o.skipLateAfterMs;
    if (skipped) this.skipped++;
    if (!d.late) this.lastDueAtMs = Math.max(this.lastDueAtMs, d.dueAtMs);
    return { ...d, skipped, delayMs: this.delay, changed: !first && next !== before };
  }
}

/**
 * How many of n transits may lie beyond the delay before it grows (at a rest, or at once for a
 * hit that misses): the most that a path late at exactly the target fraction shows 3 times in 4
 * (the binomial's 75th percentile; the 90th let the simulated continental groove reach 0.54 %
 * late against its 0.5 %). The plain n × fraction is 0 below 200 hits at 0.5 %, so one page stall in a fill (one hit beyond
 * the plan, not even late at the speaker) grew the delay at the next rest in the middle of a
 * phrase: a shift of the partner against the beat for every hit after it (bench:e2e direct, a
 * 4–6 ms step in 2 of 3 runs). One such hit in 100 is what a 0.5 % path gives 39 % of the time.
 */
const ALLOWANCE_QUANTILE = 0.75;
/**
 * A miss grows the delay at once unless the window's hits beyond it are within the allowance of
 * this many hits (onArrival): 1 at 0.5 %. With the whole window's allowance (up to 5 of 800) the
 * simulated route change reached 0.54–0.69 % late (bench:timing).
 */
const MISS_WINDOW = 100;
export function lateAllowance(n: number, fraction: number): number {
  if (n <= 0) return 0;
  const q = 1 - fraction;
  let pmf = q ** n; // P(X = 0)
  let cdf = pmf;
  let k = 0;
  while (cdf < ALLOWANCE_QUANTILE && k < n) {
    pmf *= ((n - k) / (k + 1)) * (fraction / q);
    cdf += pmf;
    k++;
  }
  return k;
}

function checkFraction(f: number): number {
  if (!(f > 0 && f < 1)) throw new Error(`targetLateFraction must be within (0, 1), got: ${f}`);
  return f;
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
