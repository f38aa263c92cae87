/**
 * The drum kit map: one source for pad ids, accessible names, default
 * computer-keyboard keys and General MIDI percussion notes.
 */
export const PAD_IDS = [
  "kick",
  "snare",
  "hihatClosed",
  "hihatOpen",
  "tomLow",
  "tomHigh",
  "crash",
  "ride",
] as const;

export type PadId = (typeof PAD_IDS)[number];

export interface PadInfo {
  id: PadId;
  /** accessible name of the pad button */
  name: string;
  /** default computer-keyboard key (KeyboardEvent.key, lower case) */
  key: string;
  /** General MIDI percussion note (channel 10) */
  gmNote: number;
}

export const KIT: readonly PadInfo[] = [
  { id: "kick", name: "Kick", key: "x", gmNote: 36 },
  { id: "snare", name: "Snare", key: "c", gmNote: 38 },
  { id: "hihatClosed", name: "Closed hi-hat", key: "s", gmNote: 42 },
  { id: "hihatOpen", name: "Open hi-hat", key: "d", gmNote: 46 },
  { id: "tomLow", name: "Low tom", key: "v", gmNote: 45 },
  { id: "tomHigh", name: "High tom", key: "f", gmNote: 50 },
  { id: "crash", name: "Crash", key: "a", gmNote: 49 },
  { id: "ride", name: "Ride", key: "g", gmNote: 51 },
];

const byId = new Map(KIT.map((p) => [p.id, p]));
const byKey = new Map(KIT.map((p) => [p.key, p]));

export function padInfo(id: PadId): PadInfo {
  const info = byId.get(id);
  if (!info) throw new Error(`Unknown pad: ${String(id)}`);
  return info;
}

export function padForKey(key: string): PadInfo | undefined {
  return byKey.get(key.toLowerCase());
}
