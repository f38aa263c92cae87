"use client";
import { saveFairMonitoring } from "../../lib/identity";
import type { JamSession, SessionSnapshot } from "../../lib/session";

/**
 * What this player hears, set once (the settings sheet): the backing groove, and fair monitoring
 * (a player's own hits: nothing to a spectator). The metronome is by the pads (MetronomeToggle).
 */
export function SoundControls({ session, snap, spectator }: { session: JamSession | null; snap: SessionSnapshot | null; spectator: boolean }) {
  const backingOn = snap?.backingOn ?? true;
  // Backing with no groove chosen would be "on" while nothing plays (issue 14, defect 6): disabled, and says why.
  const noGroove = (snap?.room?.groove ?? "none") === "none";
  const fair = snap?.fairMonitoring ?? false;
  return (
    <div className="row">
      <button type="button" aria-pressed={backingOn && !noGroove} disabled={noGroove} aria-describedby={noGroove ? "backing-hint" : undefined} onClick={() => session?.setBacking(!backingOn)}>
        Backing
      </button>
      {noGroove && (
        <span id="backing-hint" className="muted">
          No backing groove chosen (the host picks one under Tempo and mode).
        </span>
      )}
      {!spectator && (
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
      )}
    </div>
  );
}
