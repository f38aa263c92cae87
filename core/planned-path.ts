/**
 * The output path the playout PLANS with (the deadline in force is judged with
 * this instant's reading: core/audio-deadline.ts).
 *
 * A reading (`currentTime` mapped to the speaker, less now) is a sawtooth: it
 * jumps by one callback when the render thread runs and falls until the next.
 * With "interactive" a callback is ~10 ms, with long buffers 50–100 ms, and the
 * fitted clock line under it wanders by a few ms more. The plan must cover the
 * top of the sawtooth (a hit planned below it is late at some phases), and it
 * must NOT follow the wander: every change of the plan is a change of every
 * partner's playout delay, heard as a shift against the beat (bench:e2e saw the
 * delay move by −20…+10 ms at rests on 0.05/0.1 s buffers while the network
 * stood still, when the plan was the largest reading of the last 10 s).
 *
 * So the plan rises above the readings, with headroom of a tenth of the
 * sawtooth's height (at least 1 ms) so the wander does not raise it again a
 * moment later; and it falls only when every reading has stayed well below it
 * (more than twice the headroom) for `lowerAfterMs`: a real change of device or
 * buffer, not a phase.
 *
 * It rises at once while it is young (`learnMs` after the first reading: the
 * sawtooth is still being found); after that only when readings above it keep
 * coming for `riseAfterMs` (no gap of that long between them). A short
 * excursion is not a new path: bench:e2e direct (2026-12-07) saw a listener's
 * readings, 27–42 ms for 40 s, go to 47–50 ms for 0.5 s and fall back; the
 * plan took it for good (+9.7 ms) and so did the partner's delay. What a
 * short excursion can cost instead: hits arriving during it at its top phases
 * play late by up to its height (the deadline in force still judges them).
 *
 * Pure: the caller passes the readings and its clock.
 */
export interface PlannedPathOptions {
  /** the readings that set the sawtooth's height and top (ms) */
  windowMs: number;
  /** headroom above the top, as a fraction of the sawtooth's height */
  headroomFraction: number;
  /** headroom at least this (ms) */
  minHeadroomMs: number;
  /** the plan falls only after readings stayed well below it this long (ms) */
  lowerAfterMs: number;
  /** after the first reading, this long the plan rises at once to any reading above it (ms) */
  learnMs: number;
  /** later, readings above the plan must keep coming this long before it rises (ms) */
  riseAfterMs: number;
}

export const PLANNED_PATH_DEFAULTS: PlannedPathOptions = { windowMs: 10_000, headroomFraction: 0.1, minHeadroomMs: 1, lowerAfterMs: 30_000, learnMs: 3_000, riseAfterMs: 1_000 };

export class PlannedOutputPath {
  private readonly o: PlannedPathOptions;
  private readonly readings: { atMs: number; ms: number }[] = [];
  private planned: number | null = null;
  private firstAtMs = 0;
  private belowSinceMs: number | null = null;
  /** readings above the plan since then, the last at lastAboveMs (null: none pending) */
  private aboveSinceMs: number | null = null;
  private lastAboveMs = 0;
  private rises = 0;
  private falls = 0;

  constructor(opts: Partial<PlannedPathOptions> = {}) {
    this.o = { ...PLANNED_PATH_DEFAULTS, ...opts };
  }

  /** A reading of the output path (ms) taken at `atMs` (any monotonic clock). Readings outside [0, 1 s] are ignored. */
  add(readingMs: number, atMs: number): void {
    if (!(readingMs >= 0 && readingMs <= 1_000)) return;
    this.readings.push({ atMs, ms: readingMs });
    while (this.readings.length > 1 && this.readings[0]!.atMs < atMs - this.o.windowMs) this.readings.shift();
    let max = -Infinity;
    let min = Infinity;
    for (const r of this.readings) {
      if (r.ms > max) max = r.ms;
      if (r.ms < min) min = r.ms;
    }
    const headroomMs = this.headroomFor(max - min);
    if (this.planned === null) {
      this.planned = max + headroomMs;
      this.firstAtMs = atMs;
      return;
    }
    if (readingMs > this.planned) {
      if (this.aboveSinceMs === null || atMs - this.lastAboveMs > this.o.riseAfterMs) this.aboveSinceMs = atMs;
      this.lastAboveMs = atMs;
      this.belowSinceMs = null;
      const learning = atMs - this.firstAtMs < this.o.learnMs;
      if (learning || atMs - this.aboveSinceMs >= this.o.riseAfterMs) {
        // a lasting rise takes the top of the readings since it began, not an excursion's left in the window
        let top = readingMs;
        if (!learning) for (const r of this.readings) if (r.atMs >= this.aboveSinceMs && r.ms > top) top = r.ms;
        this.rises++;
        this.planned = (learning ? max : top) + headroomMs;
        this.aboveSinceMs = null;
      }
      return;
    }
    if (this.aboveSinceMs !== null && atMs - this.lastAboveMs > this.o.riseAfterMs) this.aboveSinceMs = null; // the excursion is over
    if (max < this.planned - 2 * headroomMs) {
      this.belowSinceMs ??= atMs;
      if (atMs - this.belowSinceMs >= this.o.lowerAfterMs) {
        this.planned = max + headroomMs;
        this.belowSinceMs = null;
        this.falls++;
      }
    } else {
      this.belowSinceMs = null;
    }
  }

  /** The planned output path (ms); null before the first reading. */
  get ms(): number | null {
    return this.planned;
  }

  /** How often the plan moved after its first reading (diagnostics). */
  get changes(): { rises: number; falls: number } {
    return { rises: this.rises, falls: this.falls };
  }

  private headroomFor(heightMs: number): number {
    return Math.max(this.o.minHeadroomMs, this.o.headroomFraction * heightMs);
  }
}
