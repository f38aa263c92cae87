import type { AudioClockLine } from "../../core/audio-clock-line";

/**
 * performance.now() ↔ AudioContext time, through getOutputTimestamp(): it pairs
 * the sample being played at the speaker with performance.now(), so output
 * latency is included. With a `line` (core/audio-clock-line.ts, fed by
 * `sampleAudioClock`) the mapping is the average of the last two seconds of
 * pairs; without, one fresh pair.
 */
export function perfToAudioTime(ctx: AudioContext, perfMs: number, line?: AudioClockLine): number {
  const fitted = line?.toContextS(perfMs);
  if (fitted !== undefined && fitted !== null) return fitted;
  const ts = ctx.getOutputTimestamp?.();
  if (ts && ts.performanceTime !== undefined && ts.contextTime !== undefined && ts.performanceTime > 0) {
    return ts.contextTime + (perfMs - ts.performanceTime) / 1000;
  }
  // Before the context runs there is no pairing yet; fall back to currentTime + output latency.
  return ctx.currentTime + (perfMs - performance.now()) / 1000 - (ctx.outputLatency || ctx.baseLatency || 0);
}

export function audioTimeToPerf(ctx: AudioContext, audioTime: number, line?: AudioClockLine): number {
  const fitted = line?.toPerfMs(audioTime);
  if (fitted !== undefined && fitted !== null) return fitted;
  const ts = ctx.getOutputTimestamp?.();
  if (ts && ts.performanceTime !== undefined && ts.contextTime !== undefined && ts.performanceTime > 0) {
    return ts.performanceTime + (audioTime - ts.contextTime) * 1000;
  }
  return performance.now() + (audioTime - ctx.currentTime + (ctx.outputLatency || ctx.baseLatency || 0)) * 1000;
}

/** Feeds the context's current getOutputTimestamp() pair to the line (call often: every 25 ms tick and before mapping). */
export function sampleAudioClock(ctx: AudioContext, line: AudioClockLine): void {
  if (ctx.state !== "running") return;
  const ts = ctx.getOutputTimestamp?.();
  if (ts && ts.contextTime !== undefined && ts.performanceTime !== undefined) line.add(ts.contextTime, ts.performanceTime);
}

/** Total output latency the browser reports (ms). */
export function outputLatencyMs(ctx: AudioContext): number {
  return ((ctx.outputLatency || 0) + (ctx.baseLatency || 0)) * 1000;
}

/**
 * This device's output path as the page measures it: a sound handed at
 * `currentTime` reaches the speaker this many ms after now —
 * (currentTime − contextTime) less the age of the timestamp
 * (performance.now() − performanceTime), so a stale pairing does not inflate
 * it. `currentTime` itself moves in render quanta, so readings scatter by up to
 * one. null while the context does not run or gives no timestamp.
 */
export function measuredOutputPathMs(ctx: AudioContext, line?: AudioClockLine): number | null {
  if (ctx.state !== "running") return null;
  const fitted = line?.toPerfMs(ctx.currentTime);
  if (fitted !== undefined && fitted !== null) return fitted - performance.now();
  const ts = ctx.getOutputTimestamp?.();
  if (!ts || ts.contextTime === undefined || ts.performanceTime === undefined || ts.performanceTime <= 0) return null;
  return (ctx.currentTime - ts.contextTime) * 1000 - (performance.now() - ts.performanceTime);
}

/**
 * The context time being heard at the speaker right now (getOutputTimestamp()
 * extrapolated to this instant); currentTime runs the output path ahead of it.
 */
export function heardAudioTime(ctx: AudioContext): number {
  const ts = ctx.getOutputTimestamp?.();
  if (ts && ts.performanceTime !== undefined && ts.contextTime !== undefined && ts.performanceTime > 0) {
    return Math.max(0, ts.contextTime + (performance.now() - ts.performanceTime) / 1000);
  }
  return Math.max(0, ctx.currentTime - (ctx.outputLatency || ctx.baseLatency || 0));
}
