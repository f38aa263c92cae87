"use client";
import type { JamSession, SessionSnapshot } from "../../lib/session";

/** The click on or off: played with, so it sits by the pads rather than in the settings. */
export function MetronomeToggle({ session, snap }: { session: JamSession | null; snap: SessionSnapshot | null }) {
  const on = snap?.metronomeOn ?? true;
  return (
    <button type="button" aria-pressed={on} onClick={() => session?.setMetronome(!on)}>
      Metronome
    </button>
  );
}
