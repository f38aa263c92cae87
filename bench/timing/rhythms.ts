/**
 * What the partner plays in the playout benchmark, at 100 BPM, seeded:
 * - steady: 16th notes without a break (no rest ever: the playout may change
 *   its delay only after a hit that really missed);
 * - groove: an uneven drum groove — kick, snare and hi-hat together on the
 *   beats (near-simultaneous hits), ghost notes, fills of 16ths and 32nds, and
 *   rests of one beat or more (a "break" or a "stop" bar) every few bars.
 * Every onset gets a human timing spread; hits struck together share most of it.
 */
import { gaussian, type Rng } from "../../core/rng";
import { streamRng } from "../../core/sim/network";

export const TEMPO_BPM = 100;
export const BEAT_MS = 60_000 / TEMPO_BPM;
const SIXTEENTH_MS = BEAT_MS / 4;
/** the groove is written on a grid of 32nd notes */
const SLOT_MS = BEAT_MS / 8;
const SLOTS_PER_BAR = 32;
/** human timing spread of an onset (SD) */
export const HUMAN_SD_MS = 5;
/** extra spread between limbs striking "together" (SD) */
const LIMB_SD_MS = 1.5;

export const RHYTHM_IDS = ["steady", "groove"] as const;
export type RhythmId = (typeof RHYTHM_IDS)[number];
export const RHYTHMS: Record<RhythmId, { name: string; description: string }> = {
  steady: { name: "steady 16ths", description: `16th notes at ${TEMPO_BPM} BPM (${SIXTEENTH_MS} ms), no rests` },
  groove: {
    name: "groove + fills + rests",
    description:
      `kick/snare/hi-hat groove at ${TEMPO_BPM} BPM with ghost notes, fills of 16ths and 32nds (${SLOT_MS} ms), and a break ` +
      "(last beat silent) or stop (beats 3–4 silent) every few bars; hits on one beat are near-simultaneous",
  },
};

/** Strike times (shared ms, ascending) from `fromMs` until `untilMs`. */
export function strikesFor(rhythm: RhythmId, seed: number, fromMs: number, untilMs: number): number[] {
  return rhythm === "steady" ? steady16ths(seed, fromMs, untilMs) : groove(seed, fromMs, untilMs);
}

function steady16ths(seed: number, fromMs: number, untilMs: number): number[] {
  const rng = streamRng(seed, "drummer");
  const out: number[] = [];
  let prev = -Infinity;
  for (let atMs = fromMs; atMs < untilMs; atMs += SIXTEENTH_MS) {
    // never before the previous hit: a 5 ms spread cannot reorder 150 ms steps anyway
    const strikeAtMs = Math.max(prev + 1, atMs + gaussian(rng) * HUMAN_SD_MS);
    out.push(strikeAtMs);
    prev = strikeAtMs;
  }
  return out;
}

type BarKind = "basic" | "fill" | "break" | "stop";

/** Onsets of one bar as 32nd-note slots (a slot twice = two limbs at once). */
function bar(kind: BarKind, rng: Rng): number[] {
  const slots: number[] = [];
  const beats = kind === "stop" ? 2 : kind === "break" ? 3 : kind === "fill" ? 2 : 4;
  for (let beat = 0; beat < beats; beat++) {
    const b = beat * 8;
    if (kind === "stop") {
      // a hit on 1 and 2, then silence to the next bar: a rest of two beats and more
      slots.push(b, b);
      continue;
    }
    slots.push(b, b + 4); // hi-hat on the 8ths
    slots.push(b); // with it, the kick on 1 and 3, the snare on 2 and 4
    if (beat === 1 && rng() < 0.5) slots.push(b + 6); // kick on the "a" of 2
    if (beat === 2 && rng() < 0.5) slots.push(b + 4); // kick on the "and" of 3
    for (const ghost of [2, 6]) if (rng() < 0.2) slots.push(b + ghost); // ghost-note 16ths
  }
  if (kind === "break") {
    // the last beat silent: from beat 3's last 8th to the next bar ≥ 1.5 beats
    return slots.filter((s) => s <= 20);
  }
  if (kind === "fill") {
    for (let beat = 2; beat < 4; beat++) {
      const b = beat * 8;
      const r = rng();
      const figure =
        r < 0.3 ? [0, 2, 4, 6] : r < 0.6 ? [0, 1, 2, 3, 4, 5, 6, 7] : r < 0.8 ? [0, 2, 4, 5, 6, 7] : [0, 1, 2, 3, 4, 6];
      for (const s of figure) slots.push(b + s);
    }
  }
  return slots.sort((a, z) => a - z);
}

/** A phrase of four bars; the last is a fill, a break or a stop (a rest) more often than not. */
function phrase(rng: Rng): BarKind[] {
  const kinds: BarKind[] = [];
  for (let i = 0; i < 3; i++) {
    const r = rng();
    kinds.push(r < 0.6 ? "basic" : r < 0.85 ? "fill" : "break");
  }
  const r = rng();
  kinds.push(r < 0.4 ? "fill" : r < 0.7 ? "break" : "stop");
  return kinds;
}

function groove(seed: number, fromMs: number, untilMs: number): number[] {
  const rng = streamRng(seed, "groove");
  const human = streamRng(seed, "drummer");
  const out: number[] = [];
  const barMs = SLOTS_PER_BAR * SLOT_MS;
  for (let barAtMs = fromMs; barAtMs < untilMs; ) {
    for (const kind of phrase(rng)) {
      let lastSlot = -1;
      let slotOffsetMs = 0;
      for (const s of bar(kind, rng)) {
        // limbs striking together share one timing offset, plus a little of their own
        if (s !== lastSlot) slotOffsetMs = gaussian(human) * HUMAN_SD_MS;
        lastSlot = s;
        const atMs = barAtMs + s * SLOT_MS + slotOffsetMs + gaussian(human) * LIMB_SD_MS;
        if (atMs >= fromMs && atMs < untilMs) out.push(atMs);
      }
      barAtMs += barMs;
    }
  }
  return out.sort((a, z) => a - z);
}
