/**
 * Electronic drum kits speak General MIDI percussion (channel 10). This maps
 * their notes onto Backbeat's eight pads and parses raw MIDI messages. Pure.
 */
import type { PadId } from "./kit";

/** GM percussion notes → pads (issue "Playable and fun"). */
export const GM_NOTE_TO_PAD: Readonly<Record<number, PadId>> = {
  35: "kick", // acoustic bass drum
  36: "kick",
  38: "snare",
  40: "snare", // electric snare
  37: "snare", // side stick
  42: "hihatClosed",
  44: "hihatClosed", // pedal hi-hat
  46: "hihatOpen",
  41: "tomLow",
  43: "tomLow",
  45: "tomLow",
  47: "tomHigh",
  48: "tomHigh",
  50: "tomHigh",
  49: "crash",
  57: "crash",
  51: "ride",
  59: "ride",
  53: "ride", // ride bell
};

export interface MidiDrumHit {
  pad: PadId;
  /** 0..1 */
  velocity: number;
  note: number;
  channel: number;
}

/**
 * A note-on (status 0x9n, velocity > 0) of a mapped note becomes a hit; note-offs,
 * running-status leftovers, clock and other messages give null. Any channel is
 * accepted: many kits are set to channel 1 out of the box.
 */
export function parseMidiDrumMessage(data: ArrayLike<number>): MidiDrumHit | null {
  if (data.length < 3) return null;
  const status = data[0]!;
  const note = data[1]!;
  const vel = data[2]!;
  if ((status & 0xf0) !== 0x90 || vel === 0) return null;
  const pad = GM_NOTE_TO_PAD[note];
  if (!pad) return null;
  return { pad, velocity: Math.min(1, vel / 127), note, channel: status & 0x0f };
}
