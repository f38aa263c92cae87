/**
 * Input-latency calibration: the player taps along to clicks; the MEDIAN of
 * (tap − click) is their device's input offset (osu!'s approach), accepted
 * only when the taps are consistent (cf. Bucket Brigade's consistency check).
 * Pure: times in, verdict out.
 */
import { median, medianAbsoluteDeviation } from "./stats";

export interface CalibrationOptions {
  /** a tap further than this from every click is ignored (a stray key) */
  maxPairDistanceMs?: number;
  minTaps?: number;
  /** median absolute deviation above this → inconsistent, not accepted */
  maxMadMs?: number;
  /** ignore taps on the first clicks while the player finds the beat */
  warmupClicks?: number;
}

export interface CalibrationResult {
  accepted: boolean;
  /** median (tap − click): positive when taps land after the clicks */
  offsetMs: number | null;
  madMs: number | null;
  taps: number;
  reason: string;
}

export function computeCalibration(clickAtMs: readonly number[], tapAtMs: readonly number[], options: CalibrationOptions = {}): CalibrationResult {
  const maxPair = options.maxPairDistanceMs ?? 200;
  const minTaps = options.minTaps ?? 8;
  const maxMad = options.maxMadMs ?? 15;
  const warmup = options.warmupClicks ?? 2;
  const clicks = clickAtMs.slice(warmup);
  const used = new Set<number>();
  const offsets: number[] = [];
  for (const tap of tapAtMs) {
    let best = -1;
    for (let i = 0; i < clicks.length; i++) {
      if (best === -1 || Math.abs(tap - clicks[i]!) < Math.abs(tap - clicks[best]!)) best = i;
    }
    if (best === -1 || used.has(best) || Math.abs(tap - clicks[best]!) > maxPair) continue;
    used.add(best);
    offsets.push(tap - clicks[best]!);
  }
  if (offsets.length < minTaps) {
    return { accepted: false, offsetMs: null, madMs: null, taps: offsets.length, reason: `Only ${offsets.length} taps matched a click; need ${minTaps}. Tap once on every click.` };
  }
  const med = median(offsets);
  const mad = medianAbsoluteDeviation(offsets);
  if (mad > maxMad) {
    return { accepted: false, offsetMs: med, madMs: mad, taps: offsets.length, reason: `Taps were too uneven (spread ${mad.toFixed(1)} ms > ${maxMad} ms). Try again, steadily.` };
  }
  return { accepted: true, offsetMs: med, madMs: mad, taps: offsets.length, reason: `Input offset ${med.toFixed(1)} ms (spread ${mad.toFixed(1)} ms over ${offsets.length} taps).` };
}
