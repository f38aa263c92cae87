/**
 * What a change of the room's grid changed, in words, for "… from the next bar" (issue 14,
 * defect 6: a change the server accepted sounds at the next bar line, and the page says so). Pure.
 */
import { GROOVE_NAMES, type GrooveId } from "../../core/grooves";
import { meterLabel } from "../../core/metronome";

export interface GridFields {
  tempoBpm: number;
  beatsPerBar: number;
  beatUnit: number;
  groove: GrooveId;
}

/** null when nothing a player hears changed */
export function describeGridChange(prev: GridFields, next: GridFields): string | null {
  const parts: string[] = [];
  if (prev.tempoBpm !== next.tempoBpm) parts.push(`${next.tempoBpm} BPM`);
  if (prev.beatsPerBar !== next.beatsPerBar || prev.beatUnit !== next.beatUnit) parts.push(meterLabel(next.beatsPerBar, next.beatUnit));
  if (prev.groove !== next.groove) parts.push(next.groove === "none" ? "no backing groove" : `${GROOVE_NAMES[next.groove]} groove`);
  return parts.length ? parts.join(", ") : null;
}
