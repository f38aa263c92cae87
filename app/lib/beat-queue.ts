/**
 * The beats the click scheduler handed to the engine, with the audio time each is heard at, so
 * the beat display (app/components/BeatDots.tsx) lights a beat when its click reaches the
 * speaker — judged on the audio clock in an animation frame, not by a timer (the display wakes
 * for the frames where what it shows changes: app/lib/frame-wake.ts). Pure.
 */

export interface ScheduledBeat {
  /** shared-clock time of the beat */
  atMs: number;
  /** AudioContext time its click is heard at (the sample at the speaker: getOutputTimestamp's base) */
  audioTime: number;
  /** position in the bar, 0 = the downbeat */
  inBar: number;
  beatsPerBar: number;
  beatUnit: number;
  tempoBpm: number;
  /** during a recording's count-in bar: the number to show (beatsPerBar … 1); null otherwise */
  count: number | null;
  /** its click was handed to the engine */
  clicked: boolean;
}

/** beats kept: several bars ahead of anything the scheduler hands (≤ deadline + 150 ms) */
const KEEP = 64;

export class BeatQueue {
  private beats: ScheduledBeat[] = [];

  /** Beats arrive in time order (the scheduler hands windows in order). */
  push(b: ScheduledBeat): void {
    this.beats.push(b);
    if (this.beats.length > KEEP) this.beats.splice(0, this.beats.length - KEEP);
  }

  /** The latest beat with `key(beat) ≤ now`, or null. */
  latest(key: (b: ScheduledBeat) => number, now: number): ScheduledBeat | null {
    for (let i = this.beats.length - 1; i >= 0; i--) if (key(this.beats[i]!) <= now) return this.beats[i]!;
    return null;
  }

  /** The earliest beat with `key(beat) > now`, or null (none handed yet). */
  next(key: (b: ScheduledBeat) => number, now: number): ScheduledBeat | null {
    let found: ScheduledBeat | null = null;
    for (let i = this.beats.length - 1; i >= 0 && key(this.beats[i]!) > now; i--) found = this.beats[i]!;
    return found;
  }

  /** Beats with fromMs ≤ atMs < toMs (to mark a count-in that became known after they were handed). */
  *between(fromMs: number, toMs: number): Generator<ScheduledBeat> {
    for (const b of this.beats) if (b.atMs >= fromMs && b.atMs < toMs) yield b;
  }

  clear(): void {
    this.beats = [];
  }
}
