/**
 * The pure end of the audio exports (./replay-wav.ts renders, this finishes):
 * headroom, stems and their ZIP. No DOM: unit-tested in Node
 * (app/lib/export-audio.test.ts) and used by the e2e checks of real renders.
 *
 * Headroom: DAWs and encoders want room above the loudest peak, so no file
 * peaks above EXPORT_PEAK_DBFS. Exports render through a linear chain at a
 * fixed gain (./audio/engine.ts EXPORT_GAIN: enough for the worst two-player
 * case); anything denser is scaled down as a whole (one factor per export, no
 * limiter, so transients keep their shape). Stems share their factor with each
 * other and with their sum, so they still add up to the mix.
 */
import { zipSync } from "fflate";
import { encodeWav16 } from "./wav";
import { fileSlug } from "../../core/export-name";

/** the highest peak an exported file may have (issue 12: a DAW's headroom) */
export const EXPORT_PEAK_DBFS = -1;
export const EXPORT_PEAK = 10 ** (EXPORT_PEAK_DBFS / 20);

export function dbfs(linear: number): number {
  return linear > 0 ? 20 * Math.log10(linear) : -Infinity;
}

/** The largest |sample| of some channels. */
export function peakOf(channels: readonly Float32Array[]): number {
  let peak = 0;
  for (const c of channels) {
    for (let i = 0; i < c.length; i++) {
      const a = Math.abs(c[i]!);
      if (a > peak) peak = a;
    }
  }
  return peak;
}

/** One 16-bit step below EXPORT_PEAK: rounding to 16 bits can add half a step. */
const PEAK_TARGET = EXPORT_PEAK - 1 / 32_768;

/**
 * The one factor for a set of renders whose peaks are given: 1 when they all
 * stay below EXPORT_PEAK, else what brings the loudest just under it.
 */
export function headroomScale(peaks: readonly number[]): number {
  const loudest = Math.max(0, ...peaks);
  return loudest > PEAK_TARGET ? PEAK_TARGET / loudest : 1;
}

export function scaleInPlace(channels: readonly Float32Array[], factor: number): void {
  if (factor === 1) return;
  for (const c of channels) for (let i = 0; i < c.length; i++) c[i]! *= factor;
}

/** Sample-wise sum of tracks of equal shape (channels × frames). */
export function sumTracks(tracks: readonly (readonly Float32Array[])[]): Float32Array[] {
  const first = tracks[0];
  if (!first) throw new RangeError("sumTracks needs at least one track");
  const out = first.map((c) => new Float32Array(c.length));
  for (const t of tracks) {
    if (t.length !== out.length || t.some((c, i) => c.length !== out[i]!.length)) throw new RangeError("tracks differ in shape");
    t.forEach((c, ch) => {
      const o = out[ch]!;
      for (let i = 0; i < c.length; i++) o[i]! += c[i]!;
    });
  }
  return out;
}

/** The mix as a WAV: scaled (when needed) to the headroom, 16-bit. Scales `channels` in place. */
export function finishMix(channels: Float32Array[], sampleRate: number): { wav: ArrayBuffer; peakDbfs: number; scale: number } {
  const scale = headroomScale([peakOf(channels)]);
  scaleInPlace(channels, scale);
  return { wav: encodeWav16(channels, sampleRate), peakDbfs: dbfs(peakOf(channels)), scale };
}

export interface Stem {
  /** shown in the file name */
  name: string;
  channels: Float32Array[];
}

/** "01-ada.wav": numbered in player order, names made file-safe. */
export function stemFileName(index: number, name: string): string {
  const slug = fileSlug(name, 40) || "player"; // the style of core/export-name.ts
  return `${String(index + 1).padStart(2, "0")}-${slug}.wav`;
}

/**
 * One WAV per stem (same length and start), zipped: each, and their sum, peak
 * at most EXPORT_PEAK after one common factor. Scales the stems in place.
 * WAV data hardly compresses: the ZIP stores it (level 0), which is fast.
 */
export function finishStems(stems: readonly Stem[], sampleRate: number): { zip: Uint8Array; files: string[]; peakDbfs: number; mixPeakDbfs: number; scale: number; frames: number } {
  if (stems.length === 0) throw new RangeError("no stems to export");
  const mix = sumTracks(stems.map((s) => s.channels));
  const scale = headroomScale([peakOf(mix), ...stems.map((s) => peakOf(s.channels))]);
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  const files: string[] = [];
  let peak = 0;
  stems.forEach((s, i) => {
    scaleInPlace(s.channels, scale);
    peak = Math.max(peak, peakOf(s.channels));
    const name = stemFileName(i, s.name);
    files.push(name);
    entries[name] = [new Uint8Array(encodeWav16(s.channels, sampleRate)), { level: 0 }];
  });
  return { zip: zipSync(entries), files, peakDbfs: dbfs(peak), mixPeakDbfs: dbfs(peakOf(mix) * scale), scale, frames: stems[0]!.channels[0]!.length };
}
