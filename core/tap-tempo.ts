/**
 * Tap tempo: BPM from the median interval of the recent taps. A pause longer
 * than two seconds starts a new count. Pure.
 */
import { median } from "./stats";

const RESET_AFTER_MS = 2_000;

export class TapTempo {
  private taps: number[] = [];
  constructor(private readonly minBpm = 40, private readonly maxBpm = 240) {}

  /** Adds a tap (ms); returns the tempo once there are at least 3 taps, else null. */
  tap(atMs: number): number | null {
    const last = this.taps.at(-1);
    if (last !== undefined && (atMs - last > RESET_AFTER_MS || atMs <= last)) this.taps = [];
    this.taps.push(atMs);
    if (this.taps.length > 8) this.taps.shift();
    if (this.taps.length < 3) return null;
    const intervals = this.taps.slice(1).map((t, i) => t - this.taps[i]!);
    const bpm = Math.round(60_000 / median(intervals));
    return Math.max(this.minBpm, Math.min(this.maxBpm, bpm));
  }

  get count(): number {
    return this.taps.length;
  }
}
