"use client";
import { saveFairMonitoring } from "../../lib/identity";
import type { JamSession, SessionSnapshot } from "../../lib/session";

/** What this player hears: the metronome, the backing groove, and fair monitoring. */
export function SoundControls({ session, snap }: { session: JamSession | null; snap: SessionSnapshot | null }) {
  const metronomeOn = snap?.metronomeOn ?? true;
  const backingOn = snap?.backingOn ?? true;
  const fair = snap?.fairMonitoring ?? false;
  return (
    <div className="row">
      <button type="button" aria-pressed={metronomeOn} onClick={() => session?.setMetronome(!metronomeOn)}>
        Metronome
      </button>
      <button type="button" aria-pressed={backingOn} onClick={() => session?.setBacking(!backingOn)}>
        Backing
      </button>
      <button
        type="button"
        aria-pressed={fair}
        title="Hear your own hits with the delay your partners hear them with"
        onClick={() => {
          session?.setFairMonitoring(!fair);
          saveFairMonitoring(!fair);
        }}
      >
        Fair monitoring
      </button>
    </div>
  );
}
