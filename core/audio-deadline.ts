/**
 * The audio deadline: when can a sound handed to Web Audio NOW reach the
 * listener's speaker at the earliest?
 *
 * A source started at context time t sounds at the speaker when the sample for
 * t is played, i.e. `outputPath` after the render thread produced it. The engine
 * cannot start anything before `currentTime` (a start in the past plays at the
 * next 128-sample render quantum, silently late), and `currentTime` already
 * runs `outputPath` ahead of the sample at the speaker
 * (`currentTime − getOutputTimestamp().contextTime`, less the timestamp's age). So, on the shared clock,
 * the soonest a sound can be HEARD is
 *
 *     now + outputPath + one render quantum + a small margin.
 *
 * Anything due sooner is late, however early it was handed to the engine
 * (issue "The groove as it sounds": 42 ms in headless Chromium, 10–100+ ms on
 * real devices, phones and Bluetooth the most). Pure: callers measure the path.
 */

/** One 128-sample render quantum at 44.1 kHz, the longest of the common rates. */
export const RENDER_QUANTUM_MS = (128 / 44_100) * 1000;

/** Slack for the scheduler's own jitter between reading the clock and calling start(). */
export const DEADLINE_MARGIN_MS = 1;

export interface AudioPath {
  /** a sound handed at `currentTime` reaches the speaker this much later (ms) */
  outputPathMs: number;
  /** one render quantum at the context's sample rate (ms) */
  quantumMs: number;
}

/** 128 samples at this rate, in ms. */
export function renderQuantumMs(sampleRateHz: number): number {
  if (!(sampleRateHz > 0)) throw new Error(`sampleRateHz must be > 0, got: ${sampleRateHz}`);
  return (128 / sampleRateHz) * 1000;
}

/** How far after "now" (shared clock) the earliest sound handed now can be heard. */
export function audioLeadMs(path: AudioPath): number {
  if (!(path.outputPathMs >= 0) || !(path.quantumMs >= 0)) {
    throw new Error(`audio path must be ≥ 0, got: ${JSON.stringify(path)}`);
  }
  return path.outputPathMs + path.quantumMs + DEADLINE_MARGIN_MS;
}

export interface DeadlineDecision {
  /** shared time the sound should be heard */
  dueAtMs: number;
  /** shared time it WILL be heard: the slot, or the earliest possible when late */
  playAtMs: number;
  late: boolean;
  /** how far past its slot it will be heard (0 when on time) */
  lateByMs: number;
}

/**
 * A sound due (at the speaker) at `dueAtMs` and decided at `nowSharedMs`: on time
 * when the slot is at least `leadMs` away; otherwise it is heard at the
 * earliest possible moment, `now + leadMs`, and counted late by the difference.
 */
export function decideDeadline(dueAtMs: number, nowSharedMs: number, leadMs: number): DeadlineDecision {
  const earliestMs = nowSharedMs + leadMs;
  if (dueAtMs >= earliestMs) return { dueAtMs, playAtMs: dueAtMs, late: false, lateByMs: 0 };
  return { dueAtMs, playAtMs: earliestMs, late: true, lateByMs: earliestMs - dueAtMs };
}

/**
 * Smooths the measured output path: `currentTime` moves in render quanta and
 * `getOutputTimestamp()` is interpolated, so single readings scatter by up to a
 * quantum. The largest reading of the last `keep` is used (the deadline must
 * not be optimistic), and a reading outside [0, 1 s] is ignored.
 */
export class OutputPathMeter {
  private readings: number[] = [];
  constructor(private readonly keep = 40) {}
  add(outputPathMs: number): void {
    if (!(outputPathMs >= 0 && outputPathMs <= 1_000)) return;
    this.readings.push(outputPathMs);
    if (this.readings.length > this.keep) this.readings.shift();
  }
  /** null until the first valid reading */
  get ms(): number | null {
    return this.readings.length === 0 ? null : Math.max(...this.readings);
  }
}
