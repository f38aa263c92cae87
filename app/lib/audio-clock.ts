import type { AudioClockLine } from "../../core/audio-clock-line";

/** The context's current getOutputTimestamp() pair, or null before it has one. */
function outputPair(ctx: AudioContext): { contextTime: number; performanceTime: number } | null {
  const ts = ctx.getOutputTimestamp?.();
  if (!ts || ts.contextTime === undefined || ts.performanceTime === undefined || ts.performanceTime <= 0) return null;
  return { contextTime: ts.contextTime, performanceTime: ts.performanceTime };
}

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
  const ts = outputPair(ctx);
  if (ts) return ts.contextTime + (perfMs - ts.performanceTime) / 1000;
  // Before the context runs there is no pairing yet; fall back to currentTime + output latency.
  return ctx.currentTime + (perfMs - performance.now()) / 1000 - (ctx.outputLatency || ctx.baseLatency || 0);
}

export function audioTimeToPerf(ctx: AudioContext, audioTime: number, line?: AudioClockLine): number {
  const fitted = line?.toPerfMs(audioTime);
  if (fitted !== undefined && fitted !== null) return fitted;
  const ts = outputPair(ctx);
  if (ts) return ts.performanceTime + (audioTime - ts.contextTime) * 1000;
  return performance.now() + (audioTime - ctx.currentTime + (ctx.outputLatency || ctx.baseLatency || 0)) * 1000;
}

/** Feeds the context's current getOutputTimestamp() pair to the line (call often: every 25 ms tick and before mapping). */
export function sampleAudioClock(ctx: AudioContext, line: AudioClockLine): void {
  if (ctx.state !== "running") return;
  const ts = outputPair(ctx);
  if (ts) line.add(ts.contextTime, ts.performanceTime);
}

/** Total output latency the browser reports (ms). */
export function outputLatencyMs(ctx: AudioContext): number {
  return ((ctx.outputLatency || 0) + (ctx.baseLatency || 0)) * 1000;
}

/**
 * This device's output path as the page measures it: a sound handed at
 * `currentTime` reaches the speaker this many ms after now (through the line, or
 * one pair less its age, so a stale pairing does not inflate it). `currentTime`
 * moves in whole callbacks, so readings scatter by up to one. null while the
 * context does not run or gives no timestamp.
 */
export function measuredOutputPathMs(ctx: AudioContext, line?: AudioClockLine): number | null {
  if (ctx.state !== "running") return null;
  if ((line?.offsetMs ?? null) === null && !outputPair(ctx)) return null;
  return audioTimeToPerf(ctx, ctx.currentTime, line) - performance.now();
}

/** The context time being heard at the speaker right now; currentTime runs the output path ahead of it. */
export function heardAudioTime(ctx: AudioContext): number {
  return Math.max(0, perfToAudioTime(ctx, performance.now()));
}
