/**
 * The audio clock ↔ performance.now() line, fitted from getOutputTimestamp()
 * pairs rather than read from one fresh pair. A pair is refreshed once per
 * audio callback and its performanceTime scatters around the truth: ±0.1 ms with
 * latencyHint "interactive", but ±4–5 ms when the browser renders 50–100 ms
 * callbacks (bench:e2e, docs/benchmarks/timing-e2e.md), which would put that
 * scatter straight into every scheduled hit. Averaging the pairs of the last
 * `windowMs` removes it. Slope 1: the two clocks drift by ppm, which a sliding
 * two-second window follows. Pure; the page feeds it (app/lib/audio-clock.ts).
 *
 * The pairing can also step: when the render thread skips a callback, the
 * context's clock jumps ahead of the speaker by one callback (bench:e2e direct,
 * 2026-12-07: −9.8 ms on "interactive", with pairs otherwise within ±0.1 ms).
 * Averaged in, such a step took the window's whole two seconds to cross, and
 * meanwhile every hit was mapped up to a callback off and the output path read
 * a callback too long. So a pair further off the line than the pairs usually
 * scatter (`stepFactor` × their mean deviation, at least `minStepMs`) is held:
 * when the next pair is off the same way, the clock stepped and the fit starts
 * again from the two; when it is back on the line, the held one was an outlier
 * and is dropped.
 */
export interface AudioClockLineOptions {
  /** pairs older than this (performance time) leave the fit */
  windowMs?: number;
  /** a pair this far off the line is a glitch (a suspend, an underrun): the fit starts again from it */
  glitchMs?: number;
  /** a pair off the line by more than this many times the pairs' mean deviation (and minStepMs) is held (see above) */
  stepFactor?: number;
  minStepMs?: number;
}

/** weight of each pair in the running mean deviation: about the last 20 pairs */
const DEVIATION_WEIGHT = 0.1;

export class AudioClockLine {
  private readonly windowMs: number;
  private readonly glitchMs: number;
  /** performanceTime − contextTime·1000 of each distinct pair, with its performanceTime */
  private pairs: { perfMs: number; offsetMs: number }[] = [];
  private sumMs = 0;
  private readonly stepFactor: number;
  private readonly minStepMs: number;
  /** running mean |offset − line| of the pairs (kept across restarts: it describes the device); starts as wide as a glitch allows */
  private deviationMs: number;
  /** a pair off the line, waiting for the next to say step or outlier */
  private held: { perfMs: number; offsetMs: number } | null = null;
  private steps = 0;

  constructor(options: AudioClockLineOptions = {}) {
    this.windowMs = options.windowMs ?? 2_000;
    this.glitchMs = options.glitchMs ?? 15;
    this.stepFactor = options.stepFactor ?? 4;
    this.minStepMs = options.minStepMs ?? 2;
    this.deviationMs = this.glitchMs / this.stepFactor;
    if (!(this.windowMs > 0)) throw new Error(`windowMs must be > 0, got: ${this.windowMs}`);
  }

  /** One getOutputTimestamp() pair; a repeat of the last one adds nothing. */
  add(contextTimeS: number, performanceTimeMs: number): void {
    if (!Number.isFinite(contextTimeS) || !Number.isFinite(performanceTimeMs) || performanceTimeMs <= 0) return;
    const last = this.pairs.at(-1);
    if (last && performanceTimeMs <= last.perfMs) return;
    if (this.held && performanceTimeMs <= this.held.perfMs) return;
    const offsetMs = performanceTimeMs - contextTimeS * 1000;
    const pair = { perfMs: performanceTimeMs, offsetMs };
    const current = this.offsetMs;
    if (current === null) return this.push(pair);
    const devMs = offsetMs - current;
    if (Math.abs(devMs) > this.glitchMs) {
      this.restart();
      return this.push(pair);
    }
    this.deviationMs += DEVIATION_WEIGHT * (Math.abs(devMs) - this.deviationMs);
    const stepMs = Math.max(this.minStepMs, this.stepFactor * this.deviationMs);
    const held = this.held;
    this.held = null;
    if (Math.abs(devMs) <= stepMs) return this.push(pair); // on the line (a held pair before it was an outlier: dropped)
    if (held && Math.sign(held.offsetMs - current) === Math.sign(devMs) && Math.abs(offsetMs - held.offsetMs) <= stepMs) {
      // two pairs in a row off the line, the same way and together: the clock stepped
      this.steps++;
      this.restart();
      this.push(held);
      return this.push(pair);
    }
    this.held = pair;
  }

  /** How often the pairing stepped by less than a glitch and the fit started again (diagnostics). */
  get stepCount(): number {
    return this.steps;
  }

  private restart(): void {
    this.pairs = [];
    this.sumMs = 0;
    this.held = null;
  }

  private push(pair: { perfMs: number; offsetMs: number }): void {
    this.pairs.push(pair);
    this.sumMs += pair.offsetMs;
    while (this.pairs.length > 1 && pair.perfMs - this.pairs[0]!.perfMs > this.windowMs) this.sumMs -= this.pairs.shift()!.offsetMs;
  }

  /** performance time − context time (ms), or null before the first pair */
  get offsetMs(): number | null {
    return this.pairs.length === 0 ? null : this.sumMs / this.pairs.length;
  }

  get pairCount(): number {
    return this.pairs.length;
  }

  /** context time (s) → performance.now() time (ms) of that sample at the speaker */
  toPerfMs(contextTimeS: number): number | null {
    const b = this.offsetMs;
    return b === null ? null : contextTimeS * 1000 + b;
  }

  /** performance.now() time (ms) → the context time (s) heard at the speaker then */
  toContextS(perfMs: number): number | null {
    const b = this.offsetMs;
    return b === null ? null : (perfMs - b) / 1000;
  }
}
