/**
 * The rhythms of the audible benchmark (bench/audible.ts) and of the tap's
 * offline check (e2e/audio-tap.spec.ts): short, distinct pads (kick, snare,
 * closed hat) whose attacks the onset detector finds to the sample, at the
 * two velocities the keyboard gives (0.8, and 1 with Shift).
 */
import type { PadId } from "../core/kit";

export interface RhythmHit {
  /** after the rhythm's first strike (ms) */
  atMs: number;
  pad: PadId;
  /** the room page's default key for the pad (core/kit.ts) */
  key: string;
  /** struck with Shift: velocity 1 instead of 0.8 */
  accent: boolean;
}

export interface Rhythm {
  name: string;
  description: string;
  hits: RhythmHit[];
}

const KEYS: Partial<Record<PadId, string>> = { kick: "x", snare: "c", hihatClosed: "s" };
const K = "kick";
const S = "snare";
const H = "hihatClosed";
type Step = [index: number, pad: PadId, accent?: boolean];

/** 100 BPM: a beat is 600 ms, a 16th 150 ms, a 32nd 75 ms. */
export const BEAT_MS = 600;
const N32_MS = BEAT_MS / 8;

function fromSteps(steps: readonly Step[], unitMs: number): RhythmHit[] {
  return steps.map(([i, pad, accent]) => ({ atMs: i * unitMs, pad, key: KEYS[pad]!, accent: accent ?? false }));
}

/** Steady 16ths for 72 steps (10.8 s): kick / snare on the beats (accented), hats between. */
export const STEADY_16THS: Rhythm = {
  name: "steady 16ths",
  description: "16ths at 100 BPM (150 ms), kick/snare on the beats (accented), closed hats between; 72 strikes, 10.7 s",
  hits: fromSteps(
    Array.from({ length: 72 }, (_, i): Step => (i % 4 === 0 ? [i, (i / 4) % 2 === 0 ? K : S, true] : [i, H])),
    2 * N32_MS,
  ),
};

/**
 * An uneven two-bar phrase, twice, and a last kick: syncopation, an off-grid
 * 32nd hat, 32nd fills (75 ms apart, kick then snare among them) and rests of
 * 1.25–1.5 beats, where the app may change its playout delay.
 */
const PHRASE: readonly Step[] = [
  [0, K, true], [4, H], [6, K], [8, S, true], [12, H],
  // rest: 900 ms
  [24, S], [25, S], [26, S], [27, S], [28, K], [29, S], [30, S, true],
  [32, K, true], [35, H], [38, S],
  // rest: 750 ms
  [48, K], [50, H], [52, S], [53, S], [54, S], [55, K], [56, S, true], [57, H], [58, S], [59, S],
];

export const GROOVE_WITH_FILLS: Rhythm = {
  name: "groove with fills",
  description: "a two-bar phrase at 100 BPM, twice: syncopated kick/snare/hat, 32nd fills (75 ms), rests of ≥ 1 beat; 51 strikes, 9.6 s",
  hits: fromSteps([...PHRASE, ...PHRASE.map(([i, p, a]): Step => [i + 64, p, a]), [128, K, true]], N32_MS),
};

export const RHYTHMS: readonly Rhythm[] = [STEADY_16THS, GROOVE_WITH_FILLS];
