/** The computer-keyboard map of the pads: defaults from core/kit.ts, re-mappable. Pure. */
import { KIT, type PadId } from "./kit";

export type KeyMap = Record<PadId, string>;

export function defaultKeyMap(): KeyMap {
  return Object.fromEntries(KIT.map((p) => [p.id, p.key])) as KeyMap;
}

/** Assigns a key to a pad; a pad that had that key gets the old key instead (a swap), so no key plays two pads. */
export function assignKey(map: KeyMap, pad: PadId, key: string): KeyMap {
  const k = key.toLowerCase();
  const next = { ...map };
  const other = (Object.keys(next) as PadId[]).find((p) => p !== pad && next[p] === k);
  if (other) next[other] = map[pad];
  next[pad] = k;
  return next;
}

export function padForKeyIn(map: KeyMap, key: string): PadId | undefined {
  const k = key.toLowerCase();
  return (Object.keys(map) as PadId[]).find((p) => map[p] === k);
}

/** Keys that must keep their usual job (focus, activation, leaving dialogs, modifiers). */
export const RESERVED_KEYS = new Set(["tab", "enter", " ", "escape", "shift", "control", "alt", "meta"]);

export function keyLabel(key: string): string {
  return key === " " ? "Space" : key.length === 1 ? key.toUpperCase() : key;
}
