/**
 * The audio clock ↔ performance.now() line, fitted from getOutputTimestamp()
 * pairs rather than read from one fresh pair. A pair is refreshed once per
 * audio callback and its performanceTime scatters around the truth: ±0.1 ms with
 * latencyHint "interactive", but ±4–5 ms when the browser renders 50–100 ms
 * callbacks (bench:e2e, docs/benchmarks/timing-e2e.md), which would put that
 * scatter straight into every scheduled hit. Averaging the pairs of the last
 * `windowMs` removes it. Slope 1: the two clocks drift by ppm, which a sliding
 * two-second window follows. Pure; the page feeds it (app/lib/audio-clock.ts).
 */
export interface AudioClockLineOptions {
  /** pairs older than this (performance time) leave the fit */
  windowMs?: number;
  /** a pair this far off the line is a glitch (a suspend, an underrun): the fit starts again from it */
  glitchMs?: number;
}

export class AudioClockLine {
  private readonly windowMs: number;
  private readonly glitchMs: number;
  /** performanceTime − contextTime·1000 of each distinct pair, with its performanceTime */
  private pairs: { perfMs: number; offsetMs: number }[] = [];
  private sumMs = 0;

  constructor(options: AudioClockLineOptions = {}) {
    this.windowMs = options.windowMs ?? 2_000;
    this.glitchMs = options.glitchMs ?? 15;
    if (!(this.windowMs > 0)) throw new Error(`windowMs must be > 0, got: ${this.windowMs}`);
  }

  /** One getOutputTimestamp() pair; a repeat of the last one adds nothing. */
  add(contextTimeS: number, performanceTimeMs: number): void {
    if (!Number.isFinite(contextTimeS) || !Number.isFinite(performanceTimeMs) || performanceTimeMs <= 0) return;
    const last = this.pairs.at(-1);
    if (last && performanceTimeMs <= last.perfMs) return;
    const offsetMs = performanceTimeMs - contextTimeS * 1000;
    const current = this.offsetMs;
    if (current !== null && Math.abs(offsetMs - current) > this.glitchMs) {
      this.pairs = [];
      this.sumMs = 0;
    }
    this.pairs.push({ perfMs: performanceTimeMs, offsetMs });
    this.sumMs += offsetMs;
    while (this.pairs.length > 1 && performanceTimeMs - this.pairs[0]!.perfMs > this.windowMs) this.sumMs -= this.pairs.shift()!.offsetMs;
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
